#if canImport(Glibc)
import Glibc
#endif
import BerthAPI
import BerthContainers
import BerthCore
import BerthNetwork
import BerthStore

/// `/containers` endpoints: create, start, stop, kill, wait, remove, list, inspect.
struct ContainerHandlers: Sendable {
    let containers: ContainerService
    let network: NetworkController
    let paths: ContainerPaths

    func register(_ r: inout Router) {
        r.add(["POST"], "/containers/create") { req in try await create(req) }
        r.add(["GET"], "/containers/json") { req in try await list(req) }
        r.add(["GET"], "/containers/{id}/json") { req in
            let c = try await containers.find(req.params["id"] ?? "")
            return .json(await view(c).inspect(version: req.version))
        }
        r.add(["POST"], "/containers/{id}/start") { req in
            let c = try await containers.find(req.params["id"] ?? "")
            if c.status == .running { return APIResponse(status: 304) }
            try await containers.start(c.id)
            return .noContent()
        }
        r.add(["POST"], "/containers/{id}/stop") { req in
            let c = try await containers.find(req.params["id"] ?? "")
            if c.status != .running { return APIResponse(status: 304) }
            try await containers.stop(c.id, timeout: req.query("t").flatMap { Int($0) } ?? 10)
            return .noContent()
        }
        r.add(["POST"], "/containers/{id}/restart") { req in
            try await containers.restart(req.params["id"] ?? "", timeout: req.query("t").flatMap { Int($0) } ?? 10)
            return .noContent()
        }
        r.add(["POST"], "/containers/{id}/kill") { req in
            try await containers.kill(req.params["id"] ?? "", signal: try Self.signal(req.query("signal")))
            return .noContent()
        }
        r.add(["POST"], "/containers/{id}/wait") { req in
            // dockerd sends the head at once and the status when the container exits: the docker
            // CLI (attach, run) waits for that head before it goes on.
            let c = try await containers.find(req.params["id"] ?? "")
            let text = req.query("condition") ?? ""
            guard let condition = text.isEmpty ? .notRunning : ContainerService.WaitCondition(rawValue: text) else {
                throw BerthError.invalidArgument("invalid condition: \"\(text)\"")
            }
            return .deferredJSON {
                do {
                    let code = try await containers.wait(c.id, condition: condition)
                    return .obj(["Error": .null, "StatusCode": .int(Int64(code))])
                } catch {
                    return .obj(["Error": .obj(["Message": .string(BerthError.wrap(error).message)]), "StatusCode": .int(-1)])
                }
            }
        }
        r.add(["POST"], "/containers/{id}/rename") { req in
            try await containers.rename(req.params["id"] ?? "", to: req.query("name") ?? "")
            return .noContent()
        }
        // `{id...}`: a legacy link's name has a slash (`DELETE /containers/web/db?link=1`).
        r.add(["DELETE"], "/containers/{id...}") { req in
            if req.boolQuery("link") {
                try await containers.removeLink(req.params["id"] ?? "")
                return .noContent()
            }
            try await containers.remove(req.params["id"] ?? "", force: req.boolQuery("force"))
            return .noContent()
        }
    }

    private func create(_ req: APIRequest) async throws -> APIResponse {
        let body: ContainerCreateRequest
        do { body = try ContainerCreateRequest(json: try req.jsonBody()) } catch let e as APIError { throw e.berthError }
        guard !body.image.isEmpty else { throw BerthError.invalidArgument("config cannot be empty in order to create a container") }
        var spec = ContainerCreateSpec(image: body.image)
        spec.name = req.query("name")
        spec.cmd = body.cmd
        spec.entrypoint = body.entrypoint
        spec.env = body.env
        spec.hostname = body.hostname
        spec.domainname = body.domainname
        spec.user = body.user
        spec.workingDir = body.workingDir
        spec.tty = body.tty
        spec.openStdin = body.openStdin
        spec.stdinOnce = body.stdinOnce
        spec.attach = body.attach
        spec.consoleSize = body.consoleSize
        spec.memory = body.memory
        spec.labels = body.labels
        spec.networkMode = body.networkMode
        spec.autoRemove = body.autoRemove
        spec.dns = body.dns
        spec.dnsSearch = body.dnsSearch
        spec.dnsOptions = body.dnsOptions
        spec.extraHosts = body.extraHosts
        spec.links = body.links
        spec.exposedPorts = body.exposedPorts
        spec.portBindings = body.portBindings
        spec.publishAllPorts = body.publishAllPorts
        spec.endpoints = body.endpoints.map {
            .init(network: $0.network, ipv4: $0.ipv4, ipv6: $0.ipv6, aliases: $0.aliases, macAddress: $0.macAddress,
                  links: $0.links, driverOpts: $0.driverOpts, linkLocalIPs: $0.linkLocalIPs)
        }
        // Clients below API 1.52 send `--mac-address` container-wide: it is the main network's.
        spec.macAddress = body.macAddress
        let c = try await containers.create(spec)
        return .json(.obj(["Id": .string(c.id), "Warnings": .array([])]), status: 201)
    }

    /// `GET /containers/json` with `all`, `limit` and dockerd's `filters`.
    private func list(_ req: APIRequest) async throws -> APIResponse {
        let everything = await containers.list(all: true)
        let service = containers
        let filter = try await ContainerFilter(try req.filters().values, containers: everything) { ref in
            await service.imageIDs(ref)
        }
        let limitText = req.query("limit") ?? ""
        guard limitText.isEmpty || Int(limitText) != nil else {
            throw BerthError.invalidArgument("invalid value for 'limit': strconv.Atoi: parsing \"\(limitText)\": invalid syntax")
        }
        let limit = Int(limitText) ?? 0
        let all = req.boolQuery("all") || filter.listsAll || limit > 0
        var items: [JSONValue] = []
        for c in everything where all || c.status == .running {
            let v = await view(c)
            let facts = ContainerFilter.Facts(
                networks: v.endpoints.map { ($0.network, $0.endpoint.networkID) },
                published: Set(v.published.map { "\($0.hostPort)/\($0.proto.rawValue)" }),
                exposed: Set(v.published.map(\.portKey)).union(c.exposedPorts))
            guard filter.matches(c, facts: facts) else { continue }
            items.append(v.summary())
            if limit > 0, items.count == limit { break }
        }
        return .json(.array(items))
    }

    private func view(_ c: ContainerRecord) async -> ContainerView {
        var named: [(network: String, endpoint: EndpointRecord)] = []
        for e in await containers.endpoints(c.id) {
            named.append(((try? await network.find(e.networkID))?.name ?? e.networkID, e))
        }
        return ContainerView(c: c, endpoints: named, sandboxKey: paths.sandboxKey(c.id), directory: paths.containerDirectory(c.id))
    }

    /// `SIGKILL`, `KILL`, `9`.
    static func signal(_ text: String?) throws(BerthError) -> Int32 {
        guard let text, !text.isEmpty else { return SIGKILL }
        if let n = Int32(text), n > 0, n < 65 { return n }
        let name = text.uppercased().hasPrefix("SIG") ? String(text.uppercased().dropFirst(3)) : text.uppercased()
        let table: [String: Int32] = [
            "HUP": SIGHUP, "INT": SIGINT, "QUIT": SIGQUIT, "KILL": SIGKILL, "USR1": SIGUSR1, "USR2": SIGUSR2,
            "TERM": SIGTERM, "STOP": SIGSTOP, "CONT": SIGCONT, "WINCH": SIGWINCH, "ALRM": SIGALRM,
        ]
        guard let s = table[name] else { throw .invalidArgument("Invalid signal: \(text)") }
        return s
    }
}
