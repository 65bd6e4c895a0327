import BerthCore

/// One subnet of a network as requested by the user: any field may be missing.
public struct SubnetRequest: Hashable, Sendable {
    public var subnet: CIDR?
    public var ipRange: CIDR?
    public var gateway: IPAddress?
    public var auxAddresses: [String: IPAddress]

    public init(subnet: CIDR? = nil, ipRange: CIDR? = nil, gateway: IPAddress? = nil, auxAddresses: [String: IPAddress] = [:]) {
        self.subnet = subnet
        self.ipRange = ipRange
        self.gateway = gateway
        self.auxAddresses = auxAddresses
    }
}

/// One subnet of a network as assigned: subnet and gateway are always known.
public struct SubnetConfig: Hashable, Sendable, Codable {
    public var subnet: CIDR
    public var ipRange: CIDR?
    public var gateway: IPAddress
    public var auxAddresses: [String: IPAddress]

    public init(subnet: CIDR, ipRange: CIDR? = nil, gateway: IPAddress, auxAddresses: [String: IPAddress] = [:]) {
        self.subnet = subnet
        self.ipRange = ipRange
        self.gateway = gateway
        self.auxAddresses = auxAddresses
    }

    public var family: IPFamily { subnet.family }
}
