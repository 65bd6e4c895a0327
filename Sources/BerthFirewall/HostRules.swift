import BerthCore

/// Berth's ruleset in the daemon's namespace: one `inet berth` table whose rules are fixed, and
/// whose sets and maps hold everything that varies (bridges, subnets, published ports). Adding a
/// network or publishing a port adds set elements, never rules, so the ruleset does not grow and
/// the kernel's per-packet work stays the same with 10 or 1000 networks (set lookups are hashed).
///
/// What the rules do, in dockerd's terms:
/// - **forward**: the `user` chain first (dockerd's DOCKER-USER, kept across restarts); replies;
///   traffic within a bridge when ICC is on (seen here only with bridge-nf-call-iptables; ICC off is
///   enforced where the bridge forwards, in the `bridge berth` table's `isolated_ports`); published
///   ports; nothing in or out of internal bridges; no traffic between two bridges (isolation, by
///   address too); no new connection from outside into a bridge except published ports.
/// - **prerouting/output (nat)**: DNAT of published ports for traffic to any local address, from
///   outside, from containers (hairpin) and from the host itself, 127.0.0.1 included (the
///   bridges get `route_localnet`; the guard chain drops loopback-addressed packets arriving on any
///   interface but `lo`, and loopback-sourced ones arriving on a bridge, so that exposes nothing to
///   neighbours; `::1` is left alone, as IPv6 loopback cannot be routed out).
/// - **postrouting (nat)**: masquerading of traffic leaving the host from masquerading networks,
///   and of DNATed traffic from containers or loopback, so that replies come back the same way.
public enum HostRules {
    /// The table (family `inet`). Berth owns it; nothing else of the ruleset is touched.
    public static let table = "berth"
    /// The set, in Berth's `bridge`-family table of the same name, of the bridge ports (host ends
    /// of containers' veths) on networks with ICC off: frames between two of them are dropped
    /// where the bridge forwards them, with no need for bridge netfilter.
    public static let isolatedPorts = "isolated_ports"
    /// The administrator's chain, jumped to first from forward; Berth never changes its rules.
    public static let userChain = "user"

    /// One element of one set or map.
    public struct Element: Hashable, Sendable {
        public var set: String
        public var text: String

        public init(set: String, text: String) {
            self.set = set
            self.text = text
        }
    }

    /// Sets and maps with their declarations.
    static let sets: [(name: String, declaration: String)] = [
        ("bridges", "type ifname;"),
        ("internal", "type ifname;"),
        ("icc", "type ifname . ifname;"),
        ("subnets4", "type ipv4_addr; flags interval;"),
        ("subnets6", "type ipv6_addr; flags interval;"),
        ("masq4", "type ipv4_addr; flags interval;"),
        ("masq6", "type ipv6_addr; flags interval;"),
        ("ports4", "type inet_proto . inet_service : ipv4_addr . inet_service;"),
        ("ports4_at", "type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service;"),
        ("ports6", "type inet_proto . inet_service : ipv6_addr . inet_service;"),
        ("ports6_at", "type ipv6_addr . inet_proto . inet_service : ipv6_addr . inet_service;"),
    ]

    /// Chains Berth owns, with their hook declarations (empty for regular chains) and rules.
    static let chains: [(name: String, hook: String, rules: [String])] = [
        ("forward", "type filter hook forward priority filter; policy accept;", [
            "jump \(userChain)",
            "ct state established,related accept",
            "iifname . oifname @icc accept",
            "ct status dnat oifname @bridges iifname != @internal oifname != @internal accept",
            "iifname @internal drop",
            "oifname @internal drop",
            "iifname @bridges oifname @bridges drop",
            "oifname @bridges drop",
        ]),
        ("guard", "type filter hook prerouting priority raw; policy accept;", [
            // Loopback addresses never arrive from outside: published 127.0.0.1 ports stay local,
            // and bridges with route_localnet accept no spoofed loopback sources.
            "iifname != \"lo\" ip daddr 127.0.0.0/8 drop",
            "iifname @bridges ip saddr 127.0.0.0/8 drop",
        ]),
        ("prerouting", "type nat hook prerouting priority dstnat; policy accept;", [
            "fib daddr type local jump published",
        ]),
        ("output", "type nat hook output priority -100; policy accept;", [
            // ::1 cannot leave the host (no route_localnet for IPv6): such a client gets a refusal
            // from the host instead of a connection DNATed into silence.
            "ip6 daddr ::1 return",
            "fib daddr type local jump published",
        ]),
        ("postrouting", "type nat hook postrouting priority srcnat; policy accept;", [
            "oifname @bridges ct status dnat ip saddr @subnets4 masquerade",
            "oifname @bridges ct status dnat ip saddr 127.0.0.0/8 masquerade",
            "oifname @bridges ct status dnat ip6 saddr @subnets6 masquerade",
            "oifname != @bridges ip saddr @masq4 masquerade",
            "oifname != @bridges ip6 saddr @masq6 masquerade",
        ]),
        ("published", "", [
            "dnat ip to ip daddr . meta l4proto . th dport map @ports4_at",
            "dnat ip to meta l4proto . th dport map @ports4",
            "dnat ip6 to ip6 daddr . meta l4proto . th dport map @ports6_at",
            "dnat ip6 to meta l4proto . th dport map @ports6",
        ]),
    ]

    /// The whole ruleset from the known networks and ports, as one transaction: creates whatever is
    /// missing (a first start, or tables flushed by hand), empties Berth's chains and sets and fills
    /// them afresh, so leftovers of removed networks and containers go. The `user` chain is created
    /// if missing and otherwise left as it is.
    /// With `forwardingGuard` (Berth turned IP forwarding on), the forward chain ends by dropping
    /// what goes from one non-bridge interface to another, as dockerd's DROP policy does: starting
    /// berthd must not make the host a router between its other networks.
    public static func rebuild(
        networks: [FirewallNetwork], ports: [PublishedPort], isolatedPorts isolated: [String] = [], forwardingGuard: Bool = false
    ) -> String {
        var out = "table inet \(table) {\n"
        for s in sets { out += "\t\(s.name.hasPrefix("ports") ? "map" : "set") \(s.name) { \(s.declaration) }\n" }
        out += "\tchain \(userChain) {\n\t}\n"
        for c in chains { out += "\tchain \(c.name) {\n" + (c.hook.isEmpty ? "" : "\t\t\(c.hook)\n") + "\t}\n" }
        out += "}\n"
        out += "table bridge \(table) {\n\tset \(isolatedPorts) { type ifname; }\n"
            + "\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n\t}\n}\n"
        out += "flush chain bridge \(table) forward\nflush set bridge \(table) \(isolatedPorts)\n"
        out += "add rule bridge \(table) forward iifname @\(isolatedPorts) oifname @\(isolatedPorts) meta protocol { ip, ip6 } drop\n"
        for c in chains { out += "flush chain inet \(table) \(c.name)\n" }
        for s in sets { out += "flush \(s.name.hasPrefix("ports") ? "map" : "set") inet \(table) \(s.name)\n" }
        for c in chains {
            for r in c.rules { out += "add rule inet \(table) \(c.name) \(r)\n" }
            if c.name == "forward" && forwardingGuard {
                out += "add rule inet \(table) forward iifname != @bridges oifname != @bridges drop\n"
            }
        }
        out += add(networks.flatMap(elements(of:)) + ports.flatMap(elements(of:)))
        out += isolate(isolated)
        return out
    }

    /// The elements that carry one network.
    public static func elements(of n: FirewallNetwork) -> [Element] {
        let name = quoted(n.bridge)
        var out = [Element(set: "bridges", text: name)]
        if n.isInternal { out.append(.init(set: "internal", text: name)) }
        if n.icc { out.append(.init(set: "icc", text: "\(name) . \(name)")) }
        for s in n.subnets {
            let v4 = s.family == .v4
            out.append(.init(set: v4 ? "subnets4" : "subnets6", text: s.network.description))
            if n.masquerade && !n.isInternal { out.append(.init(set: v4 ? "masq4" : "masq6", text: s.network.description)) }
        }
        return out
    }

    /// The map element of one published port.
    public static func elements(of p: PublishedPort) -> [Element] {
        let v6 = p.family == .v6
        let target = "\(p.containerIP) . \(p.containerPort)"
        let key = "\(p.proto.rawValue) . \(p.hostPort)"
        if p.isWildcard {
            return [Element(set: v6 ? "ports6" : "ports4", text: "\(key) : \(target)")]
        }
        return [Element(set: v6 ? "ports6_at" : "ports4_at", text: "\(p.hostIP) . \(key) : \(target)")]
    }

    /// Adds bridge ports (veth host ends) of ICC-off networks to the isolated set.
    public static func isolate(_ ports: [String]) -> String {
        ports.isEmpty ? "" : "add element bridge \(table) \(isolatedPorts) { \(ports.map(quoted).joined(separator: ", ")) }\n"
    }

    /// Takes bridge ports out of the isolated set.
    public static func release(_ ports: [String]) -> String {
        ports.isEmpty ? "" : "delete element bridge \(table) \(isolatedPorts) { \(ports.map(quoted).joined(separator: ", ")) }\n"
    }

    /// `add element` commands, one per set (nothing for no elements).
    public static func add(_ elements: [Element]) -> String {
        command("add", elements)
    }

    /// `delete element` commands for elements that exist.
    public static func delete(_ elements: [Element]) -> String {
        command("delete", elements)
    }

    private static func command(_ verb: String, _ elements: [Element]) -> String {
        var bySet: [String: [String]] = [:]
        var order: [String] = []
        for e in elements {
            if bySet[e.set] == nil { order.append(e.set) }
            bySet[e.set, default: []].append(e.text)
        }
        return order.map { "\(verb) element inet \(table) \($0) { \(bySet[$0]!.joined(separator: ", ")) }\n" }.joined()
    }

    /// An interface name as an nft string literal (names cannot hold quotes: the bridge driver
    /// refuses them).
    static func quoted(_ name: String) -> String { "\"\(name)\"" }
}
