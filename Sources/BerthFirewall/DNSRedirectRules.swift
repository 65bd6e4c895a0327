/// The rules that let a container reach its embedded DNS server at `127.0.0.11:53` while the server's
/// sockets sit on other ports, so that a service of the container's own may still bind port 53
/// (dockerd does the same with iptables DNAT/SNAT in the container's namespace).
///
/// Queries to `127.0.0.11:53` are translated to the listener ports on the way out of the
/// container's resolver; replies get port 53 back on the way out of the server. UDP, nearly all
/// of DNS, is rewritten statelessly in the output hook before connection tracking (`notrack`): no
/// conntrack entry or NAT lookup per query, which costs the kernel less than dockerd's DNAT/SNAT
/// pair. TCP keeps NAT, which its connection state needs.
public struct DNSRedirectRules: Hashable, Sendable {
    /// The table in the container's namespace; Berth owns it and replaces it whole.
    public static let table = "berth_dns"
    /// The embedded server's address.
    public static let address = "127.0.0.11"

    public var udpPort: Int
    public var tcpPort: Int

    public init(udpPort: Int, tcpPort: Int) {
        self.udpPort = udpPort
        self.tcpPort = tcpPort
    }

    /// The table with its chains and rules, as one definition. For a namespace that has no such
    /// table yet (a new sandbox): it costs a few milliseconds, against 15–25 ms for `replacing`,
    /// whose `delete table` makes the kernel unregister the chains' hooks.
    public var script: String {
        "table ip \(Self.table) {\n" + chains + "}\n"
    }

    /// Replaces whatever table a previous daemon left (other ports) in one transaction: creates it if
    /// missing, deletes it, defines it afresh.
    public var replacing: String {
        "add table ip \(Self.table)\ndelete table ip \(Self.table)\n" + script
    }

    private var chains: String {
        let a = Self.address
        return """
            \tchain stateless {
            \t\ttype filter hook output priority raw; policy accept;
            \t\tip daddr \(a) udp dport 53 udp dport set \(udpPort) notrack
            \t\tip saddr \(a) udp sport \(udpPort) udp sport set 53 notrack
            \t}
            \tchain output {
            \t\ttype nat hook output priority -100; policy accept;
            \t\tip daddr \(a) tcp dport 53 dnat to \(a):\(tcpPort)
            \t}
            \tchain postrouting {
            \t\ttype nat hook postrouting priority 100; policy accept;
            \t\tip saddr \(a) tcp sport \(tcpPort) snat to \(a):53
            \t}

            """
    }
}
