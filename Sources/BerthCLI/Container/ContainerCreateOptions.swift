import ArgumentParser
import BerthAPI

/// The flags `run` and `create` share, and the create request they make.
struct ContainerCreateOptions: ParsableArguments {
    @Flag(name: [.customShort("i"), .long], help: "Keep STDIN open.")
    var interactive = false
    @Flag(name: [.customShort("t"), .long], help: "Allocate a pseudo-TTY.")
    var tty = false
    @Option(help: "Assign a name to the container.")
    var name: String?
    @Flag(help: "Automatically remove the container when it exits.")
    var rm = false
    @Option(name: [.customShort("h"), .long], help: "Container host name.")
    var hostname: String?
    @Option(name: [.customShort("e"), .customLong("env")], help: "Set environment variables.")
    var env: [String] = []
    @Option(help: "Connect a container to a network.")
    var network: String?
    @Option(help: "IPv4 address (e.g., 172.30.100.104).")
    var ip: String?
    @Option(help: "IPv6 address (e.g., 2001:db8::33).")
    var ip6: String?
    @Option(name: .customLong("mac-address"), help: "Container MAC address (e.g., 92:d0:c6:0a:29:33).")
    var macAddress: String?
    @Option(name: .customLong("network-alias"), help: "Add network-scoped alias for the container.")
    var networkAlias: [String] = []
    @Option(name: .customLong("add-host"), help: "Add a custom host-to-IP mapping (host:ip).")
    var addHost: [String] = []
    @Option(help: "Set custom DNS servers.")
    var dns: [String] = []
    @Option(help: "Add link to another container (name[:alias]).")
    var link: [String] = []
    @Option(help: "Expose a port or a range of ports.")
    var expose: [String] = []
    @Option(name: [.customShort("p"), .customLong("publish")], help: "Publish a container's port(s) to the host.")
    var publish: [String] = []
    @Flag(name: [.customShort("P"), .customLong("publish-all")], help: "Publish all exposed ports to random ports.")
    var publishAll = false

    /// Creates the container and returns its id; errors exit with `code` (run: 125, create: 1).
    func create(client: EngineClient, image: String, command: [String], attached: Bool, code: Int32) throws -> String {
        let mode = network ?? "default"
        if !networkAlias.isEmpty, ["default", "bridge", "host", "none"].contains(mode) {
            throw CLIError("berth: network-scoped aliases are only supported for user-defined networks", code: code)
        }
        var endpoint: [JSONValue.Member] = []
        if ip != nil || ip6 != nil {
            endpoint.append(.init("IPAMConfig", .obj(["IPv4Address": .string(ip ?? ""), "IPv6Address": .string(ip6 ?? "")])))
        }
        if !networkAlias.isEmpty { endpoint.append(.init("Aliases", .array(networkAlias.map { .string($0) }))) }
        if let m = macAddress { endpoint.append(.init("MacAddress", .string(m))) }
        var host: [JSONValue.Member] = [
            // Attached, the CLI removes the container itself once it has its exit status (the
            // daemon's auto-remove would race the status); detached, the daemon does it.
            .init("NetworkMode", .string(mode)), .init("AutoRemove", .bool(rm && !attached)), .init("Dns", .array(dns.map { .string($0) })),
            .init("ExtraHosts", .array(addHost.map { .string($0) })), .init("Links", .array(link.map { .string($0) })),
        ]
        var bindings: [PublishSpec.Binding] = []
        do {
            for p in publish { bindings += try PublishSpec.parse(p) }
        } catch {
            throw CLIError("berth: " + error.description, code: code)
        }
        if network == "host" && !bindings.isEmpty {
            Console.err("WARNING: Published ports are discarded when using host network mode")
        }
        var keys: [String] = []
        for b in bindings where !keys.contains(b.key) { keys.append(b.key) }
        host.append(.init("PortBindings", .object(keys.map { key in
            .init(key, .array(bindings.filter { $0.key == key }.map { .obj(["HostIp": .string($0.hostIP), "HostPort": .string($0.hostPort)]) }))
        })))
        host.append(.init("PublishAllPorts", .bool(publishAll)))
        let exposed = expose.map { $0.contains("/") ? $0 : $0 + "/tcp" } + keys.filter { k in !expose.contains { ($0.contains("/") ? $0 : $0 + "/tcp") == k } }
        if tty, let size = Terminal.size() { host.append(.init("ConsoleSize", .array([.int(Int64(size.rows)), .int(Int64(size.cols))]))) }
        let body: JSONValue = .obj([
            "Hostname": .string(hostname ?? ""), "Env": .array(env.map { .string($0) }),
            "Cmd": command.isEmpty ? .null : .array(command.map { .string($0) }), "Image": .string(image),
            "Tty": .bool(tty), "OpenStdin": .bool(interactive), "StdinOnce": .bool(interactive && attached),
            "AttachStdin": .bool(interactive && attached), "AttachStdout": .bool(attached), "AttachStderr": .bool(attached),
            "ExposedPorts": .object(exposed.map { .init($0, .object([])) }),
            "HostConfig": .object(host),
            "NetworkingConfig": .obj(["EndpointsConfig": .object([.init(mode, .object(endpoint))])]),
        ])
        var query: [(String, String)] = []
        if let name { query.append(("name", name)) }
        let created = try client.call("POST", "/containers/create", query: query, body: .init(body))
        guard (200..<300).contains(created.status), let id = created.json?["Id"]?.stringValue else {
            throw CLIError("berth: Error response from daemon: " + created.errorMessage, code: code)
        }
        return id
    }
}
