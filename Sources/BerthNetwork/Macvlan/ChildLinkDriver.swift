#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthDHCP
import BerthNetlink
import BerthStore
import Logging
import Synchronization

/// The `macvlan` and `ipvlan` drivers: each endpoint is a child of the network's parent link,
/// born in the container's sandbox under its final name, so the container appears on the
/// parent's LAN (with its own MAC under macvlan, the parent's under ipvlan). No bridge and no
/// host firewall: `-p` publishes nothing (dockerd's warning). `ChildLinkFlavor` holds what
/// differs between the two.
///
/// Parents Berth makes (a `base.vid` sub-interface, or the internal `dm-<12>`/`di-<12>` parent
/// when none is given) carry the alias `berth-parent:<network id>`, so only they are ever
/// deleted (ipvlan's say `berth-ipvlan-parent:`). Where the kernel has no `dummy` module, the internal parent is one end of a veth
/// pair whose other end (`dp-<12>`) stays beside it, both up, so the children have a carrier.
///
/// A parent Berth made goes with the last network using it.
public struct ChildLinkDriver: NetworkDriver {
    public let flavor: ChildLinkFlavor
    public var name: String { flavor.rawValue }
    /// macvlan children have MACs of their own, so they can lease addresses (`--ipam-driver dhcp`).
    public var capabilities: DriverCapabilities { DriverCapabilities(leasesAddresses: flavor.ownMAC) }
    /// Alias prefix of parent links Berth made: `berth-parent:` (macvlan) or
    /// `berth-ipvlan-parent:`, so each driver's reconcile judges only its own.
    public var aliasPrefix: String { flavor == .macvlan ? "berth-parent:" : "berth-ipvlan-parent:" }
    public static let parentOption = "parent"

    let netlink: any RouteNetlink
    let sandboxes: (any SandboxProvider)?
    let logger: Logger
    /// The DHCP leases of endpoints on `--ipam-driver dhcp` networks, renewed while berthd runs.
    let leases: DHCPLeaseKeeper?
    /// Set once a probe showed the kernel makes this driver's children (never unset: a module
    /// does not go away under a running daemon; an absent one is probed again next time).
    private let kernelSupport = KernelSupport()

    final class KernelSupport: Sendable {
        let known = Mutex(false)
    }

    /// `dhcp` speaks DHCP for endpoints of `--ipam-driver dhcp` networks; without one (or
    /// without sandboxes) such networks are refused.
    public init(_ flavor: ChildLinkFlavor, netlink: any RouteNetlink, sandboxes: (any SandboxProvider)?, logger: Logger,
                dhcp: (any DHCPClient)? = nil) {
        self.flavor = flavor
        self.netlink = netlink
        self.sandboxes = sandboxes
        self.logger = logger
        if let dhcp, let sandboxes {
            leases = DHCPLeaseKeeper(client: dhcp, sandboxes: sandboxes, logger: logger)
        } else {
            leases = nil
        }
    }

    public func validate(options: [String: String]) throws(BerthError) {
        _ = try flavor.kind(options)
        try validateShim(options)
        if options[Self.parentOption] == "lo" { throw .invalidArgument("loopback interface is not a valid \(name) parent link") }
    }

    /// The parent as planned from the network's options against the links that exist now.
    func parent(of network: Network) async throws -> ParentLink {
        let names = Set(try await netlink.links().map(\.name))
        return try ParentLink.plan(parent: network.record.options[Self.parentOption], networkID: network.id, driver: name,
                                   linkExists: { names.contains($0) })
    }

    public func create(_ network: Network) async throws {
        let plan = try await parent(of: network)
        try await makeParent(plan, network: network)
        do {
            try await probeKernel(parent: plan.name, networkID: network.id)
            try await createShim(network)
        } catch {
            if case .existing = plan {} else { try? await delete(network) }
            throw error
        }
    }

    /// Makes sure the kernel has this driver's link kind before a network promises it (this
    /// machine's has no ipvlan): one child made on the parent and deleted at once, the first
    /// time only. macvlan is not probed (every kernel Berth supports has it).
    private func probeKernel(parent: String, networkID: String) async throws {
        guard flavor == .ipvlan, !kernelSupport.known.withLock({ $0 }) else { return }
        let probe = "bp-" + networkID.prefix(12)
        do {
            try await netlink.createChild(name: probe, parent: parent, kind: try flavor.kind([:]), namespaceFD: nil, mac: nil)
        } catch let e as NetlinkError where e.errno == EOPNOTSUPP {
            throw BerthError(.notImplemented, "this kernel has no \(name) support (module \(name), CONFIG_\(name.uppercased())): \(name) networks cannot be made on this host; use macvlan instead")
        } catch let e as NetlinkError {
            // The parent serves another kind already (EBUSY) and such: the join will say it.
            logger.debug("\(name) kernel probe inconclusive", metadata: ["error": "\(e)"])
            return
        }
        try? await netlink.deleteLink(name: probe)
        kernelSupport.known.withLock { $0 = true }
    }

    private func makeParent(_ plan: ParentLink, network: Network) async throws {
        let alias = aliasPrefix + network.id
        switch plan {
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
    func parentName(_ network: Network) -> String {
        let p = network.record.options[Self.parentOption] ?? ""
        return p.isEmpty ? (flavor == .ipvlan ? "di-" : "dm-") + network.id.prefix(12) : p
    }

    /// Whether the network has a parent of the user's (one without is internal to the host).
    static func hasParent(_ network: Network) -> Bool { !(network.record.options[parentOption] ?? "").isEmpty }

    public func checkCreate(_ network: Network, others: [Network]) throws(BerthError) {
        if network.record.ipamDriver == NetworkController.dhcpIPAM && leases == nil {
            throw BerthError(.notImplemented, "this daemon has no DHCP client; --ipam-driver dhcp is not available")
        }
        let parent = parentName(network)
        try flavor.checkSharing(network.record.options, parent: parent, others: others.filter { parentName($0) == parent })
    }

    /// A network without a parent has no way out: no default route, and its DNS does not forward.
    public func reachesOutside(_ network: Network) -> Bool { !network.record.internalNetwork && Self.hasParent(network) }

    /// A parent Berth made that another network still uses is handed to it (its alias), not deleted.
    public func release(_ network: Network, remaining: [Network]) async throws {
        await deleteShim(network)
        let parent = parentName(network)
        guard let heir = remaining.first(where: { parentName($0) == parent }) else { return try await delete(network) }
        if let link = try await netlink.links().first(where: { $0.alias == aliasPrefix + network.id }) {
            try await netlink.setAlias(name: link.name, alias: aliasPrefix + heir.id)
        }
    }

    public func delete(_ network: Network) async throws {
        await deleteShim(network)
        guard let link = try await netlink.links().first(where: { $0.alias == aliasPrefix + network.id }) else { return }
        do { try await netlink.deleteLink(name: link.name) } catch let e as NetlinkError where e.errno == ENODEV {}
    }

    /// Parents Berth made for networks it no longer knows go; those of known networks that the
    /// kernel lost (a reboot, a crash) are made again.
    public func reconcile(_ networks: [Network]) async throws {
        let links = try await netlink.links()
        let known = Set(networks.map(\.id))
        for link in links {
            guard let alias = link.alias, alias.hasPrefix(aliasPrefix), !known.contains(String(alias.dropFirst(aliasPrefix.count))) else { continue }
            logger.info("removing the parent link of a \(name) network Berth no longer knows", metadata: ["link": "\(link.name)"])
            try? await netlink.deleteLink(name: link.name)
        }
        let present = Set(links.map(\.name))
        for network in networks {
            switch try? await parent(of: network) {
            // A dummy is planned whether or not it exists; a vlan only when it does not.
            case .dummy(let link)? where present.contains(link):
                continue
            case .vlan?, .dummy?:
                logger.info("parent link of \(name) network \(network.name) is not in the kernel; creating it")
                try await create(network)
            default:
                continue
            }
        }
        try await reconcileShims(networks, links: try await netlink.links())
    }
}
