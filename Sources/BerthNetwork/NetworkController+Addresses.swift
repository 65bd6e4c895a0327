import BerthCore
import BerthIPAM
import BerthStore

/// Endpoint addresses: dockerd's rules for chosen ones, allocation, and their reservations read
/// back at start.
extension NetworkController {
    /// dockerd's rules for user-chosen addresses and aliases.
    public static func validate(_ r: EndpointRequest, on network: Network) throws(BerthError) {
        let wantsIP = !(r.ipv4 ?? "").isEmpty || !(r.ipv6 ?? "").isEmpty
        if network.record.predefined {
            if wantsIP { throw .invalidArgument("user specified IP address is supported on user defined networks only") }
            if !r.aliases.isEmpty { throw .invalidArgument("network-scoped alias is supported only for containers in user defined networks") }
        } else if wantsIP && network.record.userSubnets != true {
            throw .invalidArgument("user specified IP address is supported only when connecting to networks with user configured subnets")
        }
        for text in r.linkLocalIPs {
            guard let ip = IPAddress(text), ip.isLinkLocalUnicast else { throw .invalidArgument("invalid link-local IP address: \(text)") }
        }
    }

    /// Allocates the endpoint's address of one family: the requested one, or the next free.
    func allocate(_ network: Network, family: IPFamily, requested: String?) throws -> CIDR? {
        let hasFamily = network.subnets.contains { $0.family == family }
        if let text = requested, !text.isEmpty {
            guard let ip = IPAddress(text), ip.family == family else {
                throw BerthError.invalidArgument("invalid IP\(family == .v4 ? "v4" : "v6") address: \(text)")
            }
            do { return try ipam.allocate(networkID: network.id, family: family, preferred: ip) } catch { throw error.berthError }
        }
        guard hasFamily else { return nil }
        do { return try ipam.allocate(networkID: network.id, family: family) } catch { throw error.berthError }
    }

    /// After a restart, once the running containers' sandboxes are pinned again and the
    /// endpoints of the others dropped: lets each driver take up what it keeps for its endpoints
    /// (DHCP leases). Returns at once; the drivers work in the background.
    public func resumeDrivers() async {
        for network in networks.values {
            let mine = endpoints.values.filter { $0.networkID == network.id }
            if !mine.isEmpty { await drivers[network.driver]?.resume(mine, network: network) }
        }
    }

    /// Reads endpoints back at start and re-reserves their addresses.
    func restoreEndpoints() async throws {
        for e in try await store.endpoints() {
            guard networks[e.networkID] != nil else {
                try await store.deleteEndpoint(id: e.id)
                continue
            }
            for text in [e.ipv4Address, e.ipv6Address] where !text.isEmpty {
                if let c = CIDR(text) { _ = try? ipam.allocate(networkID: e.networkID, family: c.family, preferred: c.address) }
            }
            endpoints[e.id] = e
        }
    }
}
