import BerthCore

/// The default IPAM driver: assigns subnets to networks from the address pools and
/// addresses to endpoints within those subnets.
///
/// A value type owned by one actor (the network controller), which makes every
/// check-then-reserve sequence atomic: call `assign` before the first `await` of a
/// create, and `release` on the way out of a failed one.
public struct IPAM: Sendable {
    public var pools4: [AddressPool]
    public var pools6: [AddressPool]

    private struct Subnet: Sendable {
        var config: SubnetConfig
        var allocator: AddressAllocator
    }

    private var networks: [String: [Subnet]] = [:]

    public init(pools4: [AddressPool] = AddressPool.dockerDefaults, pools6: [AddressPool] = []) {
        self.pools4 = pools4
        self.pools6 = pools6
    }

    /// Every subnet in use by any network.
    public var subnetsInUse: [CIDR] { networks.values.flatMap { $0.map(\.config.subnet) } }

    /// The subnets assigned to a network.
    public func subnets(of networkID: String) -> [SubnetConfig] {
        networks[networkID]?.map(\.config) ?? []
    }

    /// Validates `requests`, fills in missing subnets from the pools and gateways from the
    /// ranges, and reserves them for `networkID`. Nothing is kept when it throws.
    public mutating func assign(networkID: String, requests: [SubnetRequest], enableIPv4: Bool = true, enableIPv6: Bool) throws(IPAMError) -> [SubnetConfig] {
        var explicit: [CIDR] = []
        for r in requests {
            guard let subnet = r.subnet else {
                if r.ipRange != nil || r.gateway != nil || !r.auxAddresses.isEmpty {
                    throw .invalid("every ip-range or gateway must have a corresponding subnet")
                }
                continue
            }
            if let range = r.ipRange, !subnet.contains(range) {
                throw .invalid("no matching subnet for range \(range)")
            }
            if let gw = r.gateway, !subnet.contains(gw) {
                throw .invalid("no matching subnet for gateway \(gw)")
            }
            for (name, aux) in r.auxAddresses.sorted(by: { $0.key < $1.key }) where !subnet.contains(aux) {
                throw .invalid("no matching subnet for aux-address \(name)=\(aux)")
            }
            let net = subnet.network
            try Self.checkUsable(subnet: net, gateway: r.gateway, aux: r.auxAddresses)
            if explicit.contains(where: { $0.overlaps(net) }) || subnetsInUse.contains(where: { $0.overlaps(net) }) {
                throw .overlap
            }
            explicit.append(net)
        }
        var chosen: [SubnetRequest] = requests.filter { $0.subnet != nil }
        let families = Set(chosen.compactMap { $0.subnet?.family })
        var taken = subnetsInUse + explicit
        if enableIPv4 && !families.contains(.v4) {
            guard let s = SubnetPicker.firstFree(pools: pools4, family: .v4, inUse: taken) else { throw .poolsExhausted(.v4) }
            chosen.insert(SubnetRequest(subnet: s), at: 0)
            taken.append(s)
        }
        if enableIPv6 && !families.contains(.v6) {
            guard let s = SubnetPicker.firstFree(pools: pools6, family: .v6, inUse: taken) else { throw .poolsExhausted(.v6) }
            chosen.append(SubnetRequest(subnet: s))
        }
        var built: [Subnet] = []
        for r in chosen {
            guard let subnet = r.subnet?.network else { continue }
            var alloc = AddressAllocator(subnet: subnet, range: r.ipRange)
            for aux in r.auxAddresses.values.sorted() {
                do { try alloc.reserve(aux) } catch .addressInUse { /* two names, one address: dockerd allows it */ }
            }
            let gateway: IPAddress
            if let gw = r.gateway {
                if !alloc.isAllocated(gw) { try alloc.reserve(gw) }
                gateway = gw
            } else {
                gateway = try alloc.allocate()
            }
            let config = SubnetConfig(subnet: subnet, ipRange: r.ipRange?.network, gateway: gateway, auxAddresses: r.auxAddresses)
            built.append(Subnet(config: config, allocator: alloc))
        }
        networks[networkID] = built
        return built.map(\.config)
    }

    /// Subnets no bridge can use, and gateways or aux addresses that are not host addresses of
    /// their subnet, refused before anything is made (a kernel errno otherwise): dockerd's
    /// current rules and messages.
    static func checkUsable(subnet: CIDR, gateway: IPAddress?, aux: [String: IPAddress]) throws(IPAMError) {
        if subnet.prefixLength == 0 {
            throw .invalid("invalid subnet \(subnet): it covers every address; give a smaller subnet, or none and one is chosen from the pools")
        }
        switch subnet.address {
        case .v6(let a) where a.value >> 120 == 0xFF:
            throw .invalid("multicast subnet '\(subnet)' is not allowed")
        case .v4(let a) where a.value >> 28 == 0xE:
            throw .invalid("multicast subnet '\(subnet)' is not allowed")
        default: break
        }
        // The first address (and IPv4's broadcast) is the network's own, except in /31 and /32
        // (RFC 3021) and IPv6 /127 and /128.
        let bits = subnet.family == .v4 ? 32 : 128
        let reservesEnds = subnet.prefixLength < bits - 1
        func reserved(_ ip: IPAddress) -> Bool {
            reservesEnds && (ip == subnet.address || (subnet.family == .v4 && ip == subnet.last))
        }
        if subnet.family == .v6 && subnet.prefixLength == 128 && gateway == nil {
            throw .unallocatable("failed to allocate gateway (): no available addresses on this pool")
        }
        if let gw = gateway, reserved(gw) { throw .unallocatable("failed to allocate gateway (\(gw)): Address already in use") }
        for (name, a) in aux.sorted(by: { $0.key < $1.key }) where reserved(a) || a == gateway {
            throw .unallocatable("failed to allocate secondary ip address (\(name):\(a)): Address already in use")
        }
    }

    /// Re-registers a network read back from the store: reserves its subnets, gateways and
    /// aux addresses without re-checking pools.
    public mutating func restore(networkID: String, configs: [SubnetConfig]) {
        networks[networkID] = configs.map { c in
            var alloc = AddressAllocator(subnet: c.subnet, range: c.ipRange)
            try? alloc.reserve(c.gateway)
            for aux in c.auxAddresses.values { try? alloc.reserve(aux) }
            return Subnet(config: c, allocator: alloc)
        }
    }

    /// Forgets a network and everything allocated in it.
    public mutating func release(networkID: String) {
        networks[networkID] = nil
    }

    /// Allocates an address for an endpoint: `preferred` if given (it must be free and in a
    /// subnet of the network), else the lowest free address of the first subnet of `family`.
    public mutating func allocate(networkID: String, family: IPFamily, preferred: IPAddress? = nil) throws(IPAMError) -> CIDR {
        guard var subnets = networks[networkID] else { throw .noSubnet(family) }
        defer { networks[networkID] = subnets }
        if let ip = preferred {
            guard let i = subnets.firstIndex(where: { $0.config.subnet.contains(ip) }) else { throw .addressOutsideSubnets(ip) }
            try subnets[i].allocator.reserve(ip)
            return CIDR(address: ip, prefixLength: subnets[i].config.subnet.prefixLength)
        }
        guard let i = subnets.firstIndex(where: { $0.config.family == family }) else { throw .noSubnet(family) }
        let ip = try subnets[i].allocator.allocate()
        return CIDR(address: ip, prefixLength: subnets[i].config.subnet.prefixLength)
    }

    /// Returns an endpoint address to its subnet.
    public mutating func releaseAddress(networkID: String, _ ip: IPAddress) {
        guard var subnets = networks[networkID],
            let i = subnets.firstIndex(where: { $0.config.subnet.contains(ip) }) else { return }
        subnets[i].allocator.release(ip)
        networks[networkID] = subnets
    }

    /// Number of addresses held in a network (gateway and aux addresses included).
    public func allocatedCount(networkID: String) -> Int {
        networks[networkID]?.reduce(0) { $0 + $1.allocator.allocatedCount } ?? 0
    }
}
