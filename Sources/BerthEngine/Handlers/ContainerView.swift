import BerthAPI
import BerthCore
import BerthNetwork
import BerthStore

/// Renders containers as dockerd does: `GET /containers/{id}/json` and `GET /containers/json`.
struct ContainerView {
    let c: ContainerRecord
    /// The container's endpoints with their network names, in join order.
    let endpoints: [(network: String, endpoint: EndpointRecord)]
    let sandboxKey: String
    let directory: String

    static func time(_ ns: Int64) -> String { ns == 0 ? "0001-01-01T00:00:00Z" : Timestamp(nanoseconds: ns).rfc3339Nano }

    func inspect(version: APIVersion) -> JSONValue {
        let attach = c.attachStreams ?? [false, false, false]
        let running = c.status == .running
        let state: JSONValue = .obj([
            "Status": .string(c.status == .removing ? "removing" : c.status.rawValue), "Running": .bool(running),
            "Paused": .bool(false), "Restarting": .bool(false), "OOMKilled": .bool(false), "Dead": .bool(false),
            "Pid": .int(Int64(c.pid)), "ExitCode": .int(Int64(c.exitCode)), "Error": .string(c.error),
            "StartedAt": .string(Self.time(c.startedAt)), "FinishedAt": .string(Self.time(c.finishedAt)),
        ])
        let hostConfig: JSONValue = .obj([
            // Logs are kept and served as with dockerd's default driver (compose reads only those).
            "LogConfig": .obj(["Type": .string("json-file"), "Config": .obj([:])]),
            "NetworkMode": .string(c.networkMode), "PortBindings": portBindings, "Memory": .int(c.memoryLimit ?? 0),
            "RestartPolicy": .obj(["Name": .string("no"), "MaximumRetryCount": .int(0)]),
            "AutoRemove": .bool(c.autoRemove), "Dns": .array(c.dns.map { .string($0) }),
            "DnsOptions": .array(c.dnsOptions.map { .string($0) }), "DnsSearch": .array(c.dnsSearch.map { .string($0) }),
            "ExtraHosts": c.extraHosts.isEmpty ? .null : .array(c.extraHosts.map { .string($0) }),
            // Legacy links live on the default bridge; on user networks they are the endpoint's `Links`.
            "Links": c.links.isEmpty || c.networkMode != "bridge" ? .null : .array(c.links.map { .string("/\($0.name):/\(c.name)/\($0.alias)") }),
            "PublishAllPorts": .bool(c.publishAllPorts),
        ])
        var config: JSONValue = .obj([
            "Hostname": .string(c.hostname), "Domainname": .string(c.domainname), "User": .string(c.user),
            "AttachStdin": .bool(attach[0]), "AttachStdout": .bool(attach[1]), "AttachStderr": .bool(attach[2]),
            "Tty": .bool(c.tty), "OpenStdin": .bool(c.openStdin), "StdinOnce": .bool(c.stdinOnce),
            "Env": .array(c.env.map { .string($0) }), "Cmd": c.cmd.isEmpty ? .null : .array(c.cmd.map { .string($0) }),
            "Image": .string(c.imageReference), "Volumes": .null, "WorkingDir": .string(c.workingDir),
            "Entrypoint": c.entrypoint.isEmpty ? .null : .array(c.entrypoint.map { .string($0) }),
            "OnBuild": .null, "Labels": .stringMap(c.labels),
        ])
        if !c.exposedPorts.isEmpty, case var .object(members) = config {
            // dockerd omits ExposedPorts when empty; otherwise it follows AttachStderr.
            members.insert(.init("ExposedPorts", .object(c.exposedPorts.sorted().map { .init($0, .object([])) })), at: 6)
            config = .object(members)
        }
        return .obj([
            "Id": .string(c.id), "Created": .string(Self.time(c.created)), "Path": .string(c.path),
            "Args": .array(c.args.map { .string($0) }), "State": state, "Image": .string(c.imageID),
            "ResolvConfPath": .string(directory + "/resolv.conf"), "HostnamePath": .string(directory + "/hostname"),
            "HostsPath": .string(directory + "/hosts"), "LogPath": .string(directory + "/container.log"),
            "Name": .string("/" + c.name), "RestartCount": .int(0), "Driver": .string("overlay"),
            "Platform": .string("linux"), "MountLabel": .string(""), "ProcessLabel": .string(""),
            "AppArmorProfile": .string(""), "ExecIDs": .null, "HostConfig": hostConfig,
            "GraphDriver": .obj(["Data": .null, "Name": .string("overlay")]), "Mounts": .array([]),
            "Config": config, "NetworkSettings": networkSettings(version: version),
        ])
    }

    private func networkSettings(version: APIVersion) -> JSONValue {
        let running = c.status == .running
        var m: [JSONValue.Member] = [
            .init("Bridge", .string("")), .init("SandboxID", .string(running ? c.id : "")),
            .init("HairpinMode", .bool(false)), .init("LinkLocalIPv6Address", .string("")),
            .init("LinkLocalIPv6PrefixLen", .int(0)), .init("Ports", ports),
            .init("SandboxKey", .string(running && c.networkMode != "host" ? sandboxKey : "")),
            .init("SecondaryIPAddresses", .null), .init("SecondaryIPv6Addresses", .null),
        ]
        if version < APIVersion(1, 52) {
            // Older APIs mirror the default bridge's endpoint at the top level; scripts read it.
            let b = endpoints.first { $0.network == "bridge" }
            m += Self.addressFields(b?.endpoint).map { JSONValue.Member($0.0, $0.1) }
        }
        var nets: [JSONValue.Member] = []
        for request in c.networks {
            nets.append(.init(request.network, endpointSettings(request, version: version)))
        }
        m.append(.init("Networks", .object(nets)))
        return .object(m)
    }

    /// `NetworkSettings.Networks.<net>`: what the client asked for (IPAMConfig, Links, Aliases,
    /// DriverOpts, the MAC until the endpoint exists) and what the endpoint got, as dockerd shows it.
    private func endpointSettings(_ request: ContainerRecord.NetworkRequest, version: APIVersion) -> JSONValue {
        let name = request.network
        let e = endpoints.first { $0.network == name }?.endpoint
        let userNetwork = !["bridge", "host", "none"].contains(name)
        var ipam: [JSONValue.Member] = []
        if let v4 = request.ipv4 { ipam.append(.init("IPv4Address", .string(v4))) }
        if let v6 = request.ipv6 { ipam.append(.init("IPv6Address", .string(v6))) }
        if let ll = request.linkLocalIPs, !ll.isEmpty { ipam.append(.init("LinkLocalIPs", .array(ll.map { .string($0) }))) }
        // On a user network, links given container-wide (`--link` with `--network`) are the main endpoint's.
        var links = request.links
        if links == nil, userNetwork, name == c.networks.first?.network, !c.links.isEmpty {
            links = c.links.map { $0.name == $0.alias ? $0.name : "\($0.name):\($0.alias)" }
        }
        let short = Identifier.short(c.id)
        // Below API 1.45 dockerd adds the short id and the hostname to a user network's aliases.
        let aliases = userNetwork && version < APIVersion(1, 45) ? Self.dedup(request.aliases + [short, c.hostname]) : request.aliases
        var fields: [JSONValue.Member] = [
            .init("IPAMConfig", ipam.isEmpty ? .null : .object(ipam)),
            .init("Links", links.map { .array($0.map { .string($0) }) } ?? .null),
            .init("Aliases", aliases.isEmpty ? .null : .array(aliases.map { .string($0) })),
            .init("NetworkID", .string(e?.networkID ?? "")),
        ]
        fields += Self.addressFields(e).map { JSONValue.Member($0.0, $0.1) }
        if e == nil, let mac = request.macAddress, let i = fields.firstIndex(where: { $0.key == "MacAddress" }) {
            fields[i] = .init("MacAddress", .string(mac))
        }
        fields.append(.init("DriverOpts", .stringMap(request.driverOpts)))
        if version >= APIVersion(1, 44) {
            // The names the embedded DNS answers for this endpoint; the first gives the PTR record.
            let names = userNetwork && c.startedAt > 0 ? Self.dedup([c.name] + request.aliases + [short, c.hostname]) : []
            fields.append(.init("DNSNames", names.isEmpty ? .null : .array(names.map { .string($0) })))
        }
        return .object(fields)
    }

    static func dedup(_ items: [String]) -> [String] {
        var seen = Set<String>()
        return items.filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// The ports published through the container's endpoints, in dockerd's order.
    var published: [PublishedPort] { endpoints.flatMap(\.endpoint.ports).sorted() }

    /// Keys sorted as Go sorts map keys (as strings), so `443/tcp` comes before `80/tcp`.
    static func goSorted(_ keys: some Sequence<String>) -> [String] { Set(keys).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) } }

    /// `HostConfig.PortBindings` as the user gave them: `{"80/tcp":[{"HostIp":"","HostPort":"8080"}]}`.
    private var portBindings: JSONValue {
        let keys = Self.goSorted(c.portBindings.map(\.portKey))
        return .object(keys.map { key in
            .init(key, .array(c.portBindings.filter { $0.portKey == key }.map {
                .obj(["HostIp": .string($0.hostIP), "HostPort": .string($0.hostPort)])
            }))
        })
    }

    /// `NetworkSettings.Ports` of a running container: each exposed port with its host bindings,
    /// or null when it is not published. Empty when the container does not run, as in dockerd.
    private var ports: JSONValue {
        // Nothing to list for a stopped container, nor for host or none mode (no endpoint).
        guard c.status == .running, !endpoints.isEmpty else { return .object([]) }
        let published = self.published
        let keys = Self.goSorted(c.exposedPorts + published.map(\.portKey))
        return .object(keys.map { key in
            let bound = published.filter { $0.portKey == key }
            return .init(key, bound.isEmpty ? .null : .array(bound.map {
                .obj(["HostIp": .string($0.hostIP), "HostPort": .string(String($0.hostPort))])
            }))
        })
    }

    /// `Ports` of `GET /containers/json`: one entry per binding, and one per exposed port without.
    private var portSummary: [JSONValue] {
        guard c.status == .running, !endpoints.isEmpty else { return [] }
        let published = self.published
        var out: [JSONValue] = published.map {
            .obj(["IP": .string($0.hostIP), "PrivatePort": .int(Int64($0.containerPort)),
                  "PublicPort": .int(Int64($0.hostPort)), "Type": .string($0.proto.rawValue)])
        }
        let bound = Set(published.map(\.portKey))
        for key in c.exposedPorts where !bound.contains(key) {
            guard let (port, proto) = try? PortSpec.key(key) else { continue }
            out.append(.obj(["PrivatePort": .int(Int64(port)), "Type": .string(proto.rawValue)]))
        }
        return out
    }

    private static func addressFields(_ e: EndpointRecord?) -> [(String, JSONValue)] {
        func split(_ cidr: String) -> (String, Int64) {
            let parts = cidr.split(separator: "/")
            return (parts.first.map(String.init) ?? "", parts.count > 1 ? Int64(parts[1]) ?? 0 : 0)
        }
        let v4 = split(e?.ipv4Address ?? "")
        let v6 = split(e?.ipv6Address ?? "")
        return [
            ("EndpointID", .string(e?.id ?? "")), ("Gateway", .string(e?.gateway4 ?? "")),
            ("IPAddress", .string(v4.0)), ("IPPrefixLen", .int(v4.1)), ("IPv6Gateway", .string(e?.gateway6 ?? "")),
            ("GlobalIPv6Address", .string(v6.0)), ("GlobalIPv6PrefixLen", .int(v6.1)),
            ("MacAddress", .string(e?.macAddress ?? "")),
        ]
    }

    /// One entry of `GET /containers/json`.
    func summary(now: Timestamp = .now()) -> JSONValue {
        let command = ([c.path] + c.args).joined(separator: " ")
        var nets: [JSONValue.Member] = []
        // The gateway endpoint of overlay containers is not theirs to list (dockerd hides it).
        for (name, e) in endpoints where name != NetworkController.gatewayBridgeName {
            var fields: [JSONValue.Member] = [
                .init("IPAMConfig", .null), .init("Links", .null), .init("Aliases", .null), .init("NetworkID", .string(e.networkID)),
            ]
            fields += Self.addressFields(e).map { JSONValue.Member($0.0, $0.1) }
            fields.append(.init("DriverOpts", .null))
            nets.append(.init(name, .object(fields)))
        }
        return .obj([
            "Id": .string(c.id), "Names": .array([.string("/" + c.name)]), "Image": .string(c.imageReference),
            "ImageID": .string(c.imageID), "Command": .string(command), "Created": .int(c.created / 1_000_000_000),
            "Ports": .array(portSummary), "Labels": .stringMap(c.labels), "State": .string(c.status.rawValue),
            "Status": .string(status(now: now)), "HostConfig": .obj(["NetworkMode": .string(c.networkMode)]),
            "NetworkSettings": .obj(["Networks": .object(nets)]), "Mounts": .array([]),
        ])
    }

    /// `Up 3 seconds`, `Exited (0) 2 minutes ago`, `Created`.
    func status(now: Timestamp) -> String {
        switch c.status {
        case .running: "Up " + HumanDuration.describe(seconds: (now.nanoseconds - c.startedAt) / 1_000_000_000)
        case .exited: "Exited (\(c.exitCode)) " + HumanDuration.describe(seconds: (now.nanoseconds - c.finishedAt) / 1_000_000_000) + " ago"
        case .created: "Created"
        case .removing: "Removal In Progress"
        }
    }
}
