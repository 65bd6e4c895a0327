#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthNetlink
import Logging

/// The `bridge` driver: one Linux bridge per network, carrying the gateway addresses.
///
/// Bridges Berth makes are marked with the link alias `berth-net:<network id>`, so that
/// reconciliation removes only its own leftovers and never a bridge someone else made.
public struct BridgeDriver: NetworkDriver {
    public let name = "bridge"
    public var capabilities: DriverCapabilities { .localBridge }
    /// Link alias prefix marking a bridge as Berth's.
    public static let aliasPrefix = "berth-net:"

    let netlink: any RouteNetlink
    /// Sysctls of the namespace `netlink` works in (a bridge's `disable_ipv6`).
    let sysctls: any SysctlWriter
    let logger: Logger

    public init(netlink: any RouteNetlink, sysctls: any SysctlWriter, logger: Logger) {
        self.netlink = netlink
        self.sysctls = sysctls
        self.logger = logger
    }

    public func exclusiveDevice(_ network: Network) -> String? { network.bridgeName }

    public func validate(options: [String: String]) throws(BerthError) {
        if let n = options[BridgeOptions.name] {
            guard !n.isEmpty, n.utf8.count <= 15, !n.contains("/"), !n.contains(" "), !n.contains("\""), n != ".", n != ".." else {
                throw .invalidArgument("invalid bridge name \"\(n)\": it must be 1 to 15 characters without '/', quotes or spaces")
            }
        }
        if let m = options[BridgeOptions.mtu] {
            guard let v = Int(m), (68...65535).contains(v) else {
                throw .invalidArgument("invalid MTU \"\(m)\" in option \(BridgeOptions.mtu): it must be a number from 68 to 65535")
            }
        }
        for key in [BridgeOptions.enableICC, BridgeOptions.enableIPMasquerade, BridgeOptions.inhibitIPv4] {
            if let v = options[key], GoBool.parse(v) == nil {
                throw .invalidArgument("invalid value \"\(v)\" for option \(key): use true or false")
            }
        }
        if let h = options[BridgeOptions.hostBindingIPv4], IPAddress(h) == nil {
            throw .invalidArgument("invalid host binding address \"\(h)\" in option \(BridgeOptions.hostBindingIPv4)")
        }
    }

    public func create(_ network: Network) async throws {
        let bridge = network.bridgeName
        do {
            try await netlink.createBridge(name: bridge, mtu: network.mtu, alias: Self.aliasPrefix + network.id)
        } catch let e as NetlinkError where e.errno == EEXIST {
            throw BerthError.forbidden("cannot create network \(network.name): a network interface named \(bridge) already exists; choose another \(BridgeOptions.name)")
        }
        do {
            try await configure(network, bridge: bridge)
        } catch {
            try? await netlink.deleteLink(name: bridge)
            throw error
        }
    }

    private func configure(_ network: Network, bridge: String) async throws {
        if !network.subnets.contains(where: { $0.family == .v6 }) {
            // No IPv6 on the bridge of an IPv4-only network: no link-local address and routes per
            // bridge, which the kernel walks (fib6_ifdown) whenever any interface goes away, so
            // removing a container's veth would get slower with every network.
            do {
                try await sysctls.set([("/proc/sys/net/ipv6/conf/\(bridge)/disable_ipv6", "1")])
            } catch {
                logger.debug("IPv6 left on for bridge \(bridge): \(error)")
            }
        }
        let inhibit = network.record.options[BridgeOptions.inhibitIPv4].flatMap(GoBool.parse) ?? false
        for s in network.subnets where !(inhibit && s.family == .v4) {
            try await netlink.addAddress(CIDR(address: s.gateway, prefixLength: s.subnet.prefixLength), link: bridge)
        }
        try await netlink.setLinkUp(name: bridge)
    }

    public func delete(_ network: Network) async throws {
        do {
            try await netlink.deleteLink(name: network.bridgeName)
        } catch let e as NetlinkError where e.errno == ENODEV {
            // Already gone: deleting converges.
        }
    }

    public func reconcile(_ networks: [Network]) async throws {
        let links = try await netlink.links()
        let known = Dictionary(networks.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        for link in links {
            guard let alias = link.alias, alias.hasPrefix(Self.aliasPrefix) else { continue }
            let id = String(alias.dropFirst(Self.aliasPrefix.count))
            if known[id] == nil || known[id]?.bridgeName != link.name {
                logger.info("removing leftover bridge of a network Berth no longer knows", metadata: ["bridge": "\(link.name)", "network": "\(id)"])
                try? await netlink.deleteLink(name: link.name)
            }
        }
        let names = Set(links.map(\.name))
        for network in networks {
            if names.contains(network.bridgeName) {
                if let mtu = network.mtu { try await netlink.setMTU(name: network.bridgeName, mtu: mtu) }
                try await netlink.setAlias(name: network.bridgeName, alias: Self.aliasPrefix + network.id)
                try await configure(network, bridge: network.bridgeName)
            } else {
                logger.info("bridge of network \(network.name) is not in the kernel; creating it", metadata: ["bridge": "\(network.bridgeName)"])
                try await create(network)
            }
        }
    }
}

extension BridgeDriver {
    /// A create cut by a crash may have left the bridge before its alias was set: the device
    /// of that name goes when it has no alias or this network's, never when it is someone else's.
    public func abandon(_ network: Network) async {
        guard let link = try? await netlink.links().first(where: { $0.name == network.bridgeName }) else { return }
        guard link.kind == "bridge", link.alias == nil || link.alias == "" || link.alias == Self.aliasPrefix + network.id else { return }
        logger.notice("repair: deleting the bridge of a network create cut by a crash", metadata: ["bridge": "\(link.name)"])
        try? await netlink.deleteLink(name: link.name)
    }

    /// Host ends of veths on this driver's bridges that no endpoint owns.
    public func removeOrphanInterfaces(_ networks: [Network], owned: Set<String>) async {
        guard let links = try? await netlink.links() else { return }
        let bridges = Set(networks.map(\.bridgeName))
        let bridgeIndexes = Set(links.filter { bridges.contains($0.name) }.map(\.index))
        for link in links where link.kind == "veth" && !owned.contains(link.name) {
            guard let master = link.masterIndex, bridgeIndexes.contains(master) else { continue }
            logger.notice("repair: deleting a veth no endpoint owns", metadata: ["veth": "\(link.name)"])
            try? await netlink.deleteLink(name: link.name)
        }
    }
}

/// Go's strconv.ParseBool, which dockerd uses for boolean options.
public enum GoBool {
    public static func parse(_ s: String) -> Bool? {
        switch s {
        case "1", "t", "T", "TRUE", "true", "True": true
        case "0", "f", "F", "FALSE", "false", "False": false
        default: nil
        }
    }
}
