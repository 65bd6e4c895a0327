import BerthAPI
import BerthCore
import BerthStore

/// The JSON of the remote driver protocol, as dockerd 20.10 sends and reads it (pure, tested
/// byte for byte without a plugin).
enum RemoteMessages {
    static func ids(_ e: EndpointRecord) -> JSONValue {
        .obj(["NetworkID": .string(e.networkID), "EndpointID": .string(e.id)])
    }

    /// `CreateNetwork`: the id, the options (`-o` under `com.docker.network.generic`) and the
    /// pools IPAM gave, each with its gateway in CIDR form.
    static func createNetwork(_ n: Network) -> JSONValue {
        var options: [JSONValue.Member] = [
            .init("com.docker.network.enable_ipv6", .bool(n.record.enableIPv6)),
            .init("com.docker.network.generic", .stringMap(n.record.options)),
        ]
        if n.record.internalNetwork { options.append(.init("com.docker.network.internal", .bool(true))) }
        func data(_ family: IPFamily) -> JSONValue {
            .array(n.subnets.filter { $0.family == family }.map { s in
                var m: [JSONValue.Member] = [
                    .init("AddressSpace", .string("LocalDefault")),
                    .init("Pool", .string(s.subnet.description)),
                    .init("Gateway", .string(CIDR(address: s.gateway, prefixLength: s.subnet.prefixLength).description)),
                ]
                if !s.auxAddresses.isEmpty {
                    m.append(.init("AuxAddresses", .stringMap(s.auxAddresses.mapValues {
                        CIDR(address: $0, prefixLength: s.subnet.prefixLength).description
                    })))
                }
                return .object(m)
            })
        }
        return .object([
            .init("NetworkID", .string(n.id)), .init("Options", .object(options)),
            .init("IPv4Data", data(.v4)), .init("IPv6Data", data(.v6)),
        ])
    }

    /// `CreateEndpoint`: the addresses and MAC the daemon chose; the plugin must not change them.
    static func createEndpoint(_ e: EndpointRecord) -> JSONValue {
        .obj([
            "NetworkID": .string(e.networkID), "EndpointID": .string(e.id),
            "Interface": .obj(["Address": .string(e.ipv4Address), "AddressIPv6": .string(e.ipv6Address), "MacAddress": .string(e.macAddress)]),
            "Options": .obj([
                "com.docker.network.endpoint.exposedports": .array([]),
                "com.docker.network.portmap": .array([]),
            ]),
        ])
    }

    static func join(_ e: EndpointRecord) -> JSONValue {
        .obj(["NetworkID": .string(e.networkID), "EndpointID": .string(e.id), "SandboxKey": .string(e.sandboxKey), "Options": .obj([:])])
    }

    /// What a `Join` reply asks of the daemon.
    struct JoinPlan: Equatable {
        struct Route: Equatable {
            var destination: CIDR
            var nextHop: IPAddress?
        }

        var srcName: String
        var dstPrefix: String
        var gateway4: IPv4Address?
        var gateway6: IPv6Address?
        var routes: [Route]
        var disableGatewayService: Bool

        init(_ reply: JSONValue) throws(BerthError) {
            guard let src = reply["InterfaceName"]?["SrcName"]?.stringValue, !src.isEmpty else {
                throw BerthError.internalError("NetworkDriver.Join: the plugin named no interface (InterfaceName.SrcName)")
            }
            srcName = src
            dstPrefix = reply["InterfaceName"]?["DstPrefix"]?.stringValue ?? ""
            func address(_ key: String) throws(BerthError) -> String? {
                guard let text = reply[key]?.stringValue, !text.isEmpty else { return nil }
                return text.split(separator: "/").first.map(String.init)
            }
            if let g = try address("Gateway") {
                guard let a = IPv4Address(g) else { throw BerthError.internalError("NetworkDriver.Join: bad Gateway \(g)") }
                gateway4 = a
            }
            if let g = try address("GatewayIPv6") {
                guard let a = IPv6Address(g) else { throw BerthError.internalError("NetworkDriver.Join: bad GatewayIPv6 \(g)") }
                gateway6 = a
            }
            routes = []
            for r in reply["StaticRoutes"]?.arrayValue ?? [] {
                guard let dst = r["Destination"]?.stringValue.flatMap(CIDR.init) else {
                    throw BerthError.internalError("NetworkDriver.Join: bad static route \(r.rendered())")
                }
                let connected: Bool = { if case .int(let v)? = r["RouteType"] { return v == 1 }; return false }()
                let hop = connected ? nil : r["NextHop"]?.stringValue.flatMap { IPAddress($0) }
                if !connected && hop == nil { throw BerthError.internalError("NetworkDriver.Join: static route \(dst) has no NextHop") }
                routes.append(Route(destination: dst, nextHop: hop))
            }
            disableGatewayService = reply["DisableGatewayService"]?.boolValue ?? false
        }
    }
}
