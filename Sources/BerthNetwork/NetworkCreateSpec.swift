import BerthCore

/// A validated-at-the-edge request to create a network (addresses still as the user wrote
/// them, so errors can quote the input exactly as dockerd does).
public struct NetworkCreateSpec: Sendable, Equatable {
    public struct Subnet: Sendable, Equatable {
        public var subnet: String?
        public var ipRange: String?
        public var gateway: String?
        public var auxAddresses: [String: String]

        public init(subnet: String? = nil, ipRange: String? = nil, gateway: String? = nil, auxAddresses: [String: String] = [:]) {
            self.subnet = subnet
            self.ipRange = ipRange
            self.gateway = gateway
            self.auxAddresses = auxAddresses
        }
    }

    public var name: String
    public var driver: String = "bridge"
    public var internalNetwork = false
    public var attachable = false
    public var ingress = false
    public var enableIPv4 = true
    public var enableIPv6 = false
    public var ipamDriver = "default"
    public var ipamOptions: [String: String]?
    public var subnets: [Subnet] = []
    public var options: [String: String] = [:]
    public var labels: [String: String] = [:]
    public var scope: String?
    public var configOnly = false
    public var configFrom: String?

    public init(name: String) { self.name = name }
}
