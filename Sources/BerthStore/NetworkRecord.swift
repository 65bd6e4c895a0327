import BerthCore

/// A network as Berth persists it: its configuration, not its endpoints.
public struct NetworkRecord: Codable, Hashable, Sendable {
    /// Keys of the IPAM section as the user gave them (kept as text so a restart shows them unchanged).
    public struct IPAMSubnet: Codable, Hashable, Sendable {
        public var subnet: String
        public var ipRange: String?
        public var gateway: String?
        public var auxAddresses: [String: String]

        public init(subnet: String, ipRange: String? = nil, gateway: String? = nil, auxAddresses: [String: String] = [:]) {
            self.subnet = subnet
            self.ipRange = ipRange
            self.gateway = gateway
            self.auxAddresses = auxAddresses
        }
    }

    public var id: String
    public var name: String
    public var driver: String
    public var scope: String
    /// Creation time in nanoseconds since the epoch.
    public var created: Int64
    public var internalNetwork: Bool
    public var attachable: Bool
    public var ingress: Bool
    public var enableIPv4: Bool
    public var enableIPv6: Bool
    public var ipamDriver: String
    /// nil prints as `null` (the default bridge), empty as `{}` (user networks), as dockerd does.
    public var ipamOptions: [String: String]?
    public var subnets: [IPAMSubnet]
    public var options: [String: String]
    public var labels: [String: String]
    /// `bridge`, `host` and `none`: made by the daemon, never removable.
    public var predefined: Bool
    /// Whether the user gave the subnets (only then may containers ask for `--ip`).
    /// Optional so that records written before the field existed still decode.
    public var userSubnets: Bool?

    public init(
        id: String, name: String, driver: String, scope: String = "local", created: Int64,
        internalNetwork: Bool = false, attachable: Bool = false, ingress: Bool = false,
        enableIPv4: Bool = true, enableIPv6: Bool = false, ipamDriver: String = "default",
        ipamOptions: [String: String]? = [:], subnets: [IPAMSubnet] = [], options: [String: String] = [:],
        labels: [String: String] = [:], predefined: Bool = false
    ) {
        self.id = id
        self.name = name
        self.driver = driver
        self.scope = scope
        self.created = created
        self.internalNetwork = internalNetwork
        self.attachable = attachable
        self.ingress = ingress
        self.enableIPv4 = enableIPv4
        self.enableIPv6 = enableIPv6
        self.ipamDriver = ipamDriver
        self.ipamOptions = ipamOptions
        self.subnets = subnets
        self.options = options
        self.labels = labels
        self.predefined = predefined
    }
}
