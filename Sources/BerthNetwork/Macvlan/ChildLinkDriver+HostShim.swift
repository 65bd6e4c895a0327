#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthNetlink
import BerthStore

/// Beyond dockerd: `-o berth.host_shim=true|ADDRESS` on a macvlan network lets the host and its
/// containers reach each other. The kernel never passes frames between a macvlan parent and its
/// children; Docker's documentation leaves users a manual `mac0` child. Berth makes that child
/// itself, `bh-<12>` (alias `berth-shim:<id>`) on the parent in the network's mode, with the
/// host's address on the parent (`true`) or the given one as a /32, and a /32 route to each
/// container through it while the container is on the network. It goes with the network.
extension ChildLinkDriver {
    /// The option's name.
    public static let hostShimOption = "berth.host_shim"
    static let shimAliasPrefix = "berth-shim:"

    /// What the option asks for: nil (off), the host's address on the parent, or this address.
    enum ShimAddress: Equatable {
        case parentAddress
        case given(IPAddress)
    }

    static func shimAddress(_ options: [String: String]) throws(BerthError) -> ShimAddress? {
        guard let text = options[hostShimOption] else { return nil }
        switch text.lowercased() {
        case "", "false", "0", "no", "off": return nil
        case "true", "1", "yes", "on": return .parentAddress
        default:
            guard let a = IPAddress(text), a.family == .v4 else {
                throw .invalidArgument("invalid \(hostShimOption) value \(text): give true (the host's address on the parent) or an IPv4 address for the shim")
            }
            return .given(a)
        }
    }

    /// Refuses a shim where it cannot work: ipvlan (not built yet), and macvlan's private and
    /// passthru modes (no child may talk to another).
    func validateShim(_ options: [String: String]) throws(BerthError) {
        guard try Self.shimAddress(options) != nil else { return }
        guard flavor == .macvlan else {
            throw .invalidArgument("\(Self.hostShimOption) is only available on macvlan networks")
        }
        if case .macvlan(let mode) = try flavor.kind(options), mode == .private || mode == .passthru {
            throw .invalidArgument("\(Self.hostShimOption) needs macvlan_mode bridge or vepa: in \(mode.rawValue) mode the shim cannot reach the containers")
        }
    }

    static func shimName(_ network: Network) -> String { "bh-" + network.id.prefix(12) }

    /// Whether the network asked for a shim (a bad value was refused at create).
    static func hasShim(_ network: Network) -> Bool { (try? shimAddress(network.record.options)) != nil }

    /// Makes the network's shim on its parent; a no-op without the option.
    func createShim(_ network: Network) async throws {
        guard let wanted = try Self.shimAddress(network.record.options) else { return }
        let parent = parentName(network)
        let address: IPAddress
        switch wanted {
        case .given(let a):
            address = a
        case .parentAddress:
            guard let own = try await netlink.addresses(link: parent).first(where: { $0.family == .v4 })?.address else {
                throw BerthError.invalidArgument("\(Self.hostShimOption)=true takes the host's IPv4 address on \(parent), and it has none; give the shim an address of its own: -o \(Self.hostShimOption)=ADDRESS")
            }
            address = own
        }
        let name = Self.shimName(network)
        try await netlink.createChild(name: name, parent: parent, kind: try flavor.kind(network.record.options), namespaceFD: nil, mac: nil)
        do {
            try await netlink.setAlias(name: name, alias: Self.shimAliasPrefix + network.id)
            try await netlink.addAddress(CIDR(address: address, prefixLength: 32), link: name)
            try await netlink.setLinkUp(name: name)
        } catch {
            try? await netlink.deleteLink(name: name)
            throw error
        }
    }

    func deleteShim(_ network: Network) async {
        guard Self.hasShim(network) else { return }
        try? await netlink.deleteLink(name: Self.shimName(network))
    }

    /// The host's route to an endpoint through the shim (added at join, removed at leave).
    func shimRoute(_ endpoint: EndpointRecord, network: Network, add: Bool) async throws {
        guard Self.hasShim(network), let v4 = CIDR(endpoint.ipv4Address) else { return }
        let host = CIDR(address: v4.address, prefixLength: 32)
        if add {
            try await netlink.addRoute(destination: host, gateway: nil, link: Self.shimName(network))
        } else {
            do {
                try await netlink.deleteRoute(destination: host, gateway: nil, link: Self.shimName(network), table: nil, metric: nil)
            } catch let e as NetlinkError where e.errno == ESRCH || e.errno == ENODEV {}
        }
    }

    /// At start: shims of networks Berth no longer knows go; a known network's lost shim is made
    /// again (its containers' routes come back as they rejoin).
    func reconcileShims(_ networks: [Network], links: [LinkInfo]) async throws {
        let known = Set(networks.map(\.id))
        for link in links {
            guard let alias = link.alias, alias.hasPrefix(Self.shimAliasPrefix),
                  !known.contains(String(alias.dropFirst(Self.shimAliasPrefix.count))) else { continue }
            try? await netlink.deleteLink(name: link.name)
        }
        let names = Set(links.map(\.name))
        for network in networks where Self.hasShim(network) && !names.contains(Self.shimName(network)) {
            logger.info("host shim of \(name) network \(network.name) is not in the kernel; creating it")
            try await createShim(network)
        }
    }
}
