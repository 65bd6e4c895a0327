/// A network as the API shows it (`GET /networks`, `GET /networks/{id}`), with dockerd's field
/// names and order.
public struct NetworkResource: Equatable, Sendable {
    public struct IPAMConfig: Equatable, Sendable {
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

    /// A container attached to the network, as `Containers` lists it.
    public struct Endpoint: Equatable, Sendable {
        public var name: String
        public var endpointID: String
        public var macAddress: String
        public var ipv4Address: String
        public var ipv6Address: String

        public init(name: String, endpointID: String, macAddress: String, ipv4Address: String, ipv6Address: String) {
            self.name = name
            self.endpointID = endpointID
            self.macAddress = macAddress
            self.ipv4Address = ipv4Address
            self.ipv6Address = ipv6Address
        }
    }

    public var name: String
    public var id: String
    public var created: String
    public var scope: String
    public var driver: String
    public var enableIPv4: Bool
    public var enableIPv6: Bool
    public var ipamDriver: String
    public var ipamOptions: [String: String]?
    public var ipamConfig: [IPAMConfig]
    public var internalNetwork: Bool
    public var attachable: Bool
    public var ingress: Bool
    public var containers: [String: Endpoint]
    public var options: [String: String]
    public var labels: [String: String]
    /// The hosts of a global network that have endpoints on it (`Peers`), nil elsewhere.
    public var peers: [Peer]?

    /// A host of a global network: its name and underlay address.
    public struct Peer: Equatable, Sendable {
        public var name: String
        public var ip: String
        public init(name: String, ip: String) {
            self.name = name
            self.ip = ip
        }
    }

    public init(
        name: String, id: String, created: String, scope: String, driver: String, enableIPv4: Bool, enableIPv6: Bool,
        ipamDriver: String, ipamOptions: [String: String]?, ipamConfig: [IPAMConfig], internalNetwork: Bool,
        attachable: Bool, ingress: Bool, containers: [String: Endpoint], options: [String: String], labels: [String: String]
    ) {
        self.name = name
        self.id = id
        self.created = created
        self.scope = scope
        self.driver = driver
        self.enableIPv4 = enableIPv4
        self.enableIPv6 = enableIPv6
        self.ipamDriver = ipamDriver
        self.ipamOptions = ipamOptions
        self.ipamConfig = ipamConfig
        self.internalNetwork = internalNetwork
        self.attachable = attachable
        self.ingress = ingress
        self.containers = containers
        self.options = options
        self.labels = labels
    }

    /// The JSON body for API `version` (fields appear from the version that introduced them).
    public func json(version: APIVersion) -> JSONValue {
        var m: [JSONValue.Member] = [
            .init("Name", .string(name)),
            .init("Id", .string(id)),
            .init("Created", .string(created)),
            .init("Scope", .string(scope)),
            .init("Driver", .string(driver)),
        ]
        if version >= APIVersion(1, 48) { m.append(.init("EnableIPv4", .bool(enableIPv4))) }
        m.append(.init("EnableIPv6", .bool(enableIPv6)))
        m.append(.init("IPAM", .obj([
            "Driver": .string(ipamDriver),
            "Options": .stringMap(ipamOptions),
            "Config": .array(ipamConfig.map { c in
                var e: [JSONValue.Member] = [.init("Subnet", .string(c.subnet))]
                if let r = c.ipRange { e.append(.init("IPRange", .string(r))) }
                if let g = c.gateway { e.append(.init("Gateway", .string(g))) }
                if !c.auxAddresses.isEmpty { e.append(.init("AuxiliaryAddresses", .stringMap(c.auxAddresses))) }
                return .object(e)
            }),
        ])))
        m += [
            .init("Internal", .bool(internalNetwork)),
            .init("Attachable", .bool(attachable)),
            .init("Ingress", .bool(ingress)),
            .init("ConfigFrom", .obj(["Network": .string("")])),
            .init("ConfigOnly", .bool(false)),
            .init("Containers", .object(containers.sorted { $0.key < $1.key }.map { k, e in
                .init(k, .obj([
                    "Name": .string(e.name), "EndpointID": .string(e.endpointID), "MacAddress": .string(e.macAddress),
                    "IPv4Address": .string(e.ipv4Address), "IPv6Address": .string(e.ipv6Address),
                ]))
            })),
            .init("Options", .stringMap(options)),
            .init("Labels", .stringMap(labels)),
        ]
        if let peers {
            m.append(.init("Peers", .array(peers.map { .obj(["Name": .string($0.name), "IP": .string($0.ip)]) })))
        }
        return .object(m)
    }
}
