#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthNetlink
import BerthStore
import Logging

/// The `macvlan` driver: each endpoint is a macvlan child of the network's parent link, born in
/// the container's sandbox under its final name, so the container appears on the parent's LAN
/// with its own MAC. No bridge and no host firewall: `-p` publishes nothing (dockerd's warning).
///
/// Parents Berth makes (a `base.vid` sub-interface, or the internal `dm-<12>` parent when none is
/// given) carry the alias `berth-parent:<network id>`, so only they are ever deleted. This kernel
/// has no `dummy` module: the internal parent is one end of a veth pair whose other end
/// (`dp-<12>`) stays beside it, both up, so the children have a carrier.
///
/// Several networks may share a parent (current dockerd), except in passthru mode; a parent
/// Berth made goes with the last network using it.
///
/// Not yet: ipvlan, the host shim and DHCP (issue 14 continues).
public struct MacvlanDriver: NetworkDriver {
    public let name = "macvlan"
    public var capabilities: DriverCapabilities { DriverCapabilities() }
    /// Alias prefix of parent links Berth made.
    public static let aliasPrefix = "berth-parent:"
    public static let parentOption = "parent"
    public static let modeOption = "macvlan_mode"

    let netlink: any RouteNetlink
    let sandboxes: (any SandboxProvider)?
    let logger: Logger

    public init(netlink: any RouteNetlink, sandboxes: (any SandboxProvider)?, logger: Logger) {
        self.netlink = netlink
        self.sandboxes = sandboxes
        self.logger = logger
    }

    public func validate(options: [String: String]) throws(BerthError) {
        _ = try MacvlanMode.parse(options[Self.modeOption])
        if options[Self.parentOption] == "lo" { throw .invalidArgument("loopback interface is not a valid macvlan parent link") }
    }

    /// The parent as planned from the network's options against the links that exist now.
    func parent(of network: Network) async throws -> ParentLink {
        let names = Set(try await netlink.links().map(\.name))
        return try ParentLink.plan(parent: network.record.options[Self.parentOption], networkID: network.id, driver: name,
                                   linkExists: { names.contains($0) })
    }

    public func create(_ network: Network) async throws {
        let alias = Self.aliasPrefix + network.id
        switch try await parent(of: network) {
        case .existing:
            return
        case .vlan(let link, let base, let id):
            do {
                try await netlink.createChild(name: link, parent: base, kind: .vlan(id: id), namespaceFD: nil, mac: nil)
            } catch let e as NetlinkError where e.errno == EOPNOTSUPP {
                throw BerthError(.notImplemented, "failed to create \(link) vlan link: this kernel has no 802.1q VLAN support (module 8021q); use an existing parent interface")
            } catch {
                throw BerthError.internalError("failed to create \(link) vlan link: \(error)", cause: error)
            }
            try await finishParent(link, alias: alias)
        case .dummy(let link):
            try await netlink.createVeth(name: link, peerName: Self.dummyPeer(link), peerNamespaceFD: nil, mtu: nil)
            try await netlink.setLinkUp(name: Self.dummyPeer(link))
            try await finishParent(link, alias: alias)
        }
    }

    /// The other end of the veth standing in for a dummy parent.
    static func dummyPeer(_ link: String) -> String { "dp-" + link.dropFirst(3) }

    private func finishParent(_ link: String, alias: String) async throws {
        do {
            try await netlink.setAlias(name: link, alias: alias)
            try await netlink.setLinkUp(name: link)
        } catch {
            try? await netlink.deleteLink(name: link)
            throw error
        }
    }

    /// The parent named in the options, or the network's own internal one.
    static func parentName(_ network: Network) -> String {
        let p = network.record.options[parentOption] ?? ""
        return p.isEmpty ? "dm-" + network.id.prefix(12) : p
    }

    public func checkCreate(_ network: Network, others: [Network]) throws(BerthError) {
        let parent = Self.parentName(network)
        let mode = try MacvlanMode.parse(network.record.options[Self.modeOption])
        for other in others where Self.parentName(other) == parent {
            if mode == .passthru {
                throw .forbidden("cannot use mode passthru, macvlan network \(other.id) is already using parent interface \(parent)")
            }
            if (try? MacvlanMode.parse(other.record.options[Self.modeOption])) == .passthru {
                throw .forbidden("macvlan network \(other.id) is already using parent interface \(parent) in mode passthru")
            }
        }
    }

    /// A parent Berth made that another network still uses is handed to it (its alias), not deleted.
    public func release(_ network: Network, remaining: [Network]) async throws {
        let parent = Self.parentName(network)
        guard let heir = remaining.first(where: { Self.parentName($0) == parent }) else { return try await delete(network) }
        if let link = try await netlink.links().first(where: { $0.alias == Self.aliasPrefix + network.id }) {
            try await netlink.setAlias(name: link.name, alias: Self.aliasPrefix + heir.id)
        }
    }

    public func delete(_ network: Network) async throws {
        guard let link = try await netlink.links().first(where: { $0.alias == Self.aliasPrefix + network.id }) else { return }
        do { try await netlink.deleteLink(name: link.name) } catch let e as NetlinkError where e.errno == ENODEV {}
    }

    /// Parents Berth made for networks it no longer knows go; those of known networks that the
    /// kernel lost (a reboot, a crash) are made again.
    public func reconcile(_ networks: [Network]) async throws {
        let links = try await netlink.links()
        let known = Set(networks.map(\.id))
        for link in links {
            guard let alias = link.alias, alias.hasPrefix(Self.aliasPrefix), !known.contains(String(alias.dropFirst(Self.aliasPrefix.count))) else { continue }
            logger.info("removing the parent link of a macvlan network Berth no longer knows", metadata: ["link": "\(link.name)"])
            try? await netlink.deleteLink(name: link.name)
        }
        for network in networks {
            switch try? await parent(of: network) {
            case .vlan?, .dummy?:
                logger.info("parent link of macvlan network \(network.name) is not in the kernel; creating it")
                try await create(network)
            default:
                continue
            }
        }
    }

    public func join(_ endpoint: EndpointRecord, network: Network, sandbox: SandboxHandle, providesGateway: Bool) async throws {
        let mode = try MacvlanMode.parse(network.record.options[Self.modeOption])
        // Derived from the options, no link dump per join: create made sure the parent exists.
        let parent = Self.parentName(network)
        do {
            try await netlink.createChild(
                name: endpoint.interfaceName, parent: parent, kind: .macvlan(mode), namespaceFD: sandbox.namespaceFD,
                mac: MACAddress(endpoint.macAddress))
        } catch let e as NetlinkError where e.errno == ENODEV {
            throw BerthError.notFound("the requested parent interface \(parent) was not found on the Docker host")
        } catch {
            throw BerthError.internalError("failed to create the macvlan port: \(error)", cause: error)
        }
        let inside = sandbox.netlink
        do {
            for text in [endpoint.ipv4Address, endpoint.ipv6Address] where !text.isEmpty {
                if let cidr = CIDR(text) { try await inside.addAddress(cidr, link: endpoint.interfaceName) }
            }
            try await inside.setLinkUp(name: "lo")
            try await inside.setLinkUp(name: endpoint.interfaceName)
            // A network without a parent is internal to the host: no way out, no default route.
            let parentless = (network.record.options[Self.parentOption] ?? "").isEmpty
            if providesGateway && !parentless { try await takeGateway(endpoint, sandbox: sandbox) }
        } catch {
            try? await inside.deleteLink(name: endpoint.interfaceName)
            throw error
        }
    }

    /// The child lives only in the sandbox: it goes with it, or is deleted there.
    public func leave(_ endpoint: EndpointRecord, network: Network) async throws {
        guard let sandboxes, let sandbox = try? await sandboxes.open(endpoint.sandboxKey) else { return }
        defer { sandbox.close() }
        do { try await sandbox.netlink.deleteLink(name: endpoint.interfaceName) } catch let e as NetlinkError where e.errno == ENODEV {}
    }

    public func takeGateway(_ endpoint: EndpointRecord, sandbox: SandboxHandle) async throws {
        for text in [endpoint.gateway4, endpoint.gateway6] where !text.isEmpty {
            if let gw = IPAddress(text) { try await sandbox.netlink.addRoute(destination: nil, gateway: gw, link: endpoint.interfaceName) }
        }
    }

    public func enableHairpin(_ endpoint: EndpointRecord) async throws {}
}
