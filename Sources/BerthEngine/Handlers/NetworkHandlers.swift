import BerthAPI
import BerthContainers
import BerthCore
import BerthNetwork
import BerthStore

/// `/networks` endpoints: translate wire bodies into controller calls and back.
struct NetworkHandlers: Sendable {
    let controller: NetworkController
    let containers: ContainerService

    func register(_ r: inout Router) {
        r.add(["GET"], "/networks") { req in try await list(req) }
        r.add(["POST"], "/networks/create") { req in try await create(req) }
        r.add(["POST"], "/networks/prune") { req in try await prune(req) }
        r.add(["GET"], "/networks/{id...}") { req in try await inspect(req) }
        r.add(["DELETE"], "/networks/{id...}") { req in
            try await controller.remove(req.params["id"] ?? "")
            return .noContent()
        }
        r.add(["POST"], "/networks/{id...}/connect") { req in try await connect(req) }
        r.add(["POST"], "/networks/{id...}/disconnect") { req in try await disconnect(req) }
    }

    private func list(_ req: APIRequest) async throws -> APIResponse {
        let filters = try req.filters()
        let nets = try await controller.list(filter: NetworkFilter(filters.values))
        var items: [JSONValue] = []
        // Since API 1.28 the list does not carry each network's containers; inspect does.
        for n in nets { items.append(await resource(n, detailed: false).json(version: req.version)) }
        return .json(.array(items))
    }

    private func inspect(_ req: APIRequest) async throws -> APIResponse {
        let ref = req.params["id"] ?? ""
        let n = try await controller.find(ref)
        if let scope = req.query("scope"), !scope.isEmpty, scope != n.record.scope {
            throw BerthError.notFound("network \(ref) not found")
        }
        return .json(await resource(n).json(version: req.version))
    }

    private func create(_ req: APIRequest) async throws -> APIResponse {
        let body: NetworkCreateRequest
        do { body = try NetworkCreateRequest(json: try req.jsonBody()) } catch let e as APIError { throw e.berthError }
        let n = try await controller.create(Self.spec(body))
        return .json(.obj(["Id": .string(n.id), "Warning": .string("")]), status: 201)
    }

    /// Maps the wire request onto the controller's spec; IPv4 is on unless asked off (API 1.48+).
    static func spec(_ body: NetworkCreateRequest) -> NetworkCreateSpec {
        var spec = NetworkCreateSpec(name: body.name)
        spec.driver = body.driver.isEmpty ? "bridge" : body.driver
        spec.internalNetwork = body.internalNetwork
        spec.attachable = body.attachable
        spec.ingress = body.ingress
        spec.enableIPv4 = body.enableIPv4 ?? true
        spec.enableIPv6 = body.enableIPv6 ?? false
        spec.ipamDriver = body.ipamDriver ?? "default"
        spec.ipamOptions = body.ipamOptions
        spec.subnets = body.ipamConfig.map {
            .init(subnet: $0.subnet, ipRange: $0.ipRange, gateway: $0.gateway, auxAddresses: $0.auxAddresses)
        }
        spec.options = body.options
        spec.labels = body.labels
        spec.scope = body.scope
        spec.configOnly = body.configOnly
        spec.configFrom = body.configFrom.flatMap { $0.isEmpty ? nil : $0 }
        return spec
    }

    private func prune(_ req: APIRequest) async throws -> APIResponse {
        let filters = try req.filters()
        let removed = try await controller.prune(filter: NetworkFilter(filters.values))
        return .json(.obj(["NetworksDeleted": removed.isEmpty ? .null : .array(removed.map { .string($0) })]))
    }

    /// `{"Container": "...", "EndpointConfig": {"IPAMConfig": {...}, "Aliases": [...]}}`.
    private func connect(_ req: APIRequest) async throws -> APIResponse {
        let network = try await controller.find(req.params["id"] ?? "")
        let body = try req.jsonBody()
        let container = body["Container"]?.stringValue ?? ""
        let config = body["EndpointConfig"].flatMap { $0 == .null ? nil : $0 }
        let ipam = config?["IPAMConfig"].flatMap { $0 == .null ? nil : $0 }
        let request = ContainerRecord.NetworkRequest(
            network: network.name,
            ipv4: ipam?["IPv4Address"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            ipv6: ipam?["IPv6Address"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            aliases: config?["Aliases"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            macAddress: config?["MacAddress"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 },
            links: config?["Links"]?.arrayValue?.compactMap(\.stringValue),
            driverOpts: config?["DriverOpts"]?.members.map { Dictionary($0.compactMap { m in m.value.stringValue.map { (m.key, $0) } }, uniquingKeysWith: { a, _ in a }) },
            linkLocalIPs: ipam?["LinkLocalIPs"]?.arrayValue?.compactMap(\.stringValue))
        try await containers.connect(container, network: network.id, request: request)
        return APIResponse(status: 200)
    }

    private func disconnect(_ req: APIRequest) async throws -> APIResponse {
        let network = try await controller.find(req.params["id"] ?? "")
        let body = try req.jsonBody()
        try await containers.disconnect(body["Container"]?.stringValue ?? "", network: network.id, force: body["Force"]?.boolValue ?? false)
        return APIResponse(status: 200)
    }

    private func resource(_ n: Network, detailed: Bool = true) async -> NetworkResource {
        let r = n.record
        var containers: [String: NetworkResource.Endpoint] = [:]
        for e in detailed ? await controller.endpoints(network: n.id) : [] {
            containers[e.containerID] = .init(
                name: e.containerName, endpointID: e.id, macAddress: e.macAddress,
                ipv4Address: e.ipv4Address, ipv6Address: e.ipv6Address)
        }
        var peers: [NetworkResource.Peer]?
        if detailed && r.scope == "global" {
            // Every host's containers, as swarm's NetworkDB shows them, and the hosts as Peers.
            for p in await controller.remoteEndpoints(network: n.id) {
                containers[p.containerID] = .init(
                    name: p.containerName, endpointID: p.endpointID, macAddress: p.macAddress,
                    ipv4Address: p.ipv4Address, ipv6Address: p.ipv6Address)
            }
            peers = await controller.clusterPeers(network: n.id).map { .init(name: $0.name, ip: $0.address) }
        }
        var resource = NetworkResource(
            name: r.name, id: r.id, created: Timestamp(nanoseconds: r.created).rfc3339Nano, scope: r.scope,
            driver: r.driver, enableIPv4: r.enableIPv4, enableIPv6: r.enableIPv6, ipamDriver: r.ipamDriver,
            ipamOptions: r.ipamOptions,
            ipamConfig: r.subnets.map { .init(subnet: $0.subnet, ipRange: $0.ipRange, gateway: $0.gateway, auxAddresses: $0.auxAddresses) },
            internalNetwork: r.internalNetwork, attachable: r.attachable, ingress: r.ingress, containers: containers,
            options: r.options, labels: r.labels)
        resource.peers = peers
        return resource
    }
}
