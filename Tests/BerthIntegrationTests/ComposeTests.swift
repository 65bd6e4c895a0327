import Foundation
import Testing

/// Debian's docker-compose (scripts/install-deps.sh installs it).
enum ComposeCLI {
    static var path: String? { FileManager.default.isExecutableFile(atPath: "/usr/bin/docker-compose") ? "/usr/bin/docker-compose" : nil }
}

/// Debian's docker-compose 1.29.2 (Python, on docker-py) against berthd: users' projects with
/// several networks, aliases, a scaled service, an internal network, an external network, static
/// addresses, links, extra hosts and a shared network namespace, through compose's whole life cycle.
@Suite(.serialized, .enabled(
    if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable && ComposeCLI.path != nil,
    "needs root, the docker CLI, busybox-static and docker-compose"))
struct ComposeTests {
    /// The issue's project: `web` on `front` with a published port, `api` on `front` and `back`,
    /// `db` on the internal `back` only, with an alias.
    static let shopProject = """
    version: "3.8"
    services:
      web:
        image: alpine:latest
        command: ["sh", "-c", "echo web ready; exec httpd -f -p 80 -h /"]
        networks: [front]
        ports: ["8080:80"]
      api:
        image: alpine:latest
        command: ["sleep", "3600"]
        networks: [front, back]
      db:
        image: alpine:latest
        command: ["sleep", "3600"]
        networks:
          back:
            aliases: [database]
    networks:
      front: {}
      back:
        internal: true
    """

    static let linkedProject = """
    version: "3.8"
    services:
      db:
        image: alpine:latest
        command: ["sleep", "3600"]
        expose: ["5432"]
        networks:
          data:
            ipv4_address: 10.77.0.10
            aliases: [pg]
      app:
        image: alpine:latest
        command: ["sleep", "3600"]
        depends_on: [db]
        links: ["db:database"]
        extra_hosts: ["outside.example:10.9.9.9"]
        networks: [data, shared]
      sidecar:
        image: alpine:latest
        command: ["sleep", "3600"]
        network_mode: "service:app"
    networks:
      data:
        ipam:
          config:
            - subnet: 10.77.0.0/24
      shared:
        external: true
        name: kshared
    """

    func project(_ s: DaemonSandbox, _ yaml: String) throws -> String {
        let dir = s.root + "/compose-\(UUID().uuidString.prefix(6))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try yaml.write(toFile: dir + "/docker-compose.yml", atomically: true, encoding: .utf8)
        let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
        if try s.docker("image", "inspect", "alpine:latest").code != 0 {
            #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
        }
        return dir
    }

    func compose(_ s: DaemonSandbox, _ dir: String, _ name: String, _ args: String...) throws -> Shell.Result {
        // `run` hands over to the docker CLI on PATH, as compose does for users. (With
        // COMPOSE_INTERACTIVE_NO_CLI its own attach runs after the start, a race it loses against
        // dockerd too when the command is short; the AttachStdout echo it relies on is checked here.)
        let cliDir = (DaemonSandbox.dockerCLI! as NSString).deletingLastPathComponent
        let path = cliDir + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        return try Shell.run(ComposeCLI.path!, ["-f", dir + "/docker-compose.yml", "-p", name] + args,
                             env: ["DOCKER_HOST": s.host, "PATH": path, "DOCKER_CONFIG": s.root + "/docker-config"], timeout: 120)
    }

    func lines(_ text: String) -> [String] { text.split(separator: "\n").map(String.init) }

    /// The addresses busybox nslookup prints for `name`, asked from `container`.
    func lookup(_ s: DaemonSandbox, _ container: String, _ name: String) throws -> [String] {
        let out = try s.docker("exec", container, "nslookup", name).out
        guard let i = out.range(of: "Name:") else { return [] }
        return out[i.lowerBound...].split(separator: "\n").filter { $0.hasPrefix("Address") }
            .map { String($0.split(separator: " ").last ?? "") }.sorted()
    }

    func ip(_ s: DaemonSandbox, _ container: String, _ network: String) throws -> String {
        try s.docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"\(network)\").IPAddress}}", container).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func scaledServiceAcrossTwoNetworksThroughTheWholeLifeCycle() throws {
        try withSandbox { s in
            let dir = try project(s, Self.shopProject)
            let up = try compose(s, dir, "kproj", "up", "-d", "--scale", "api=3")
            #expect(up.code == 0, "\(up.err)")
            // Compose lists by project and service label together: each container once, numbered from 1.
            let names = try s.docker("ps", "--filter", "label=com.docker.compose.project=kproj", "--format", "{{.Names}}").out
            #expect(lines(names).sorted() == ["kproj_api_1", "kproj_api_2", "kproj_api_3", "kproj_db_1", "kproj_web_1"])
            #expect(lines(try compose(s, dir, "kproj", "ps", "-q").out).count == 5)
            let again = try compose(s, dir, "kproj", "up", "-d", "--scale", "api=3")
            #expect(again.code == 0 && !again.err.contains("Recreating") && again.err.components(separatedBy: "is up-to-date").count == 6, "\(again.err)")

            // Names across both networks: service name, alias, container name, the scaled service.
            let db = try ip(s, "kproj_db_1", "kproj_back")
            let web = try ip(s, "kproj_web_1", "kproj_front")
            var apis: [String] = []
            for i in 1...3 { apis.append(try ip(s, "kproj_api_\(i)", "kproj_front")) }
            for i in 1...3 {
                for name in ["db", "database", "kproj_db_1"] { #expect(try lookup(s, "kproj_api_\(i)", name) == [db], "api_\(i) → \(name)") }
                #expect(try lookup(s, "kproj_api_\(i)", "web") == [web])
            }
            #expect(try lookup(s, "kproj_web_1", "api") == apis.sorted())
            #expect(try lookup(s, "kproj_db_1", "database") == [db])
            // db is on the internal network only: web neither resolves it nor reaches it.
            #expect(try lookup(s, "kproj_web_1", "db") == [])
            #expect(try s.docker("exec", "kproj_web_1", "ping", "-c", "1", "-W", "1", db).code != 0)
            #expect(try s.docker("exec", "kproj_api_1", "ping", "-c", "1", "-W", "1", db).code == 0)

            #expect(try compose(s, dir, "kproj", "exec", "-T", "api", "hostname").code == 0)
            #expect(try compose(s, dir, "kproj", "logs", "--no-color", "web").out.contains("web ready"))
            #expect(try compose(s, dir, "kproj", "port", "web", "80").out == "0.0.0.0:8080\n")
            #expect(try compose(s, dir, "kproj", "restart", "-t", "1", "api").code == 0)
            #expect(lines(try s.docker("ps", "-q", "--filter", "label=com.docker.compose.service=api", "--filter", "status=running").out).count == 3)
            #expect(try compose(s, dir, "kproj", "stop", "-t", "1", "web").code == 0)
            #expect(try s.docker("inspect", "-f", "{{.State.Status}}", "kproj_web_1").out == "exited\n")
            #expect(try compose(s, dir, "kproj", "start", "web").code == 0)
            #expect(try s.docker("inspect", "-f", "{{.State.Status}}", "kproj_web_1").out == "running\n")
            #expect(try s.docker("inspect", "-f", "{{.Config.AttachStdout}} {{.Config.AttachStderr}}", "kproj_web_1").out == "false false\n")
            let run = try compose(s, dir, "kproj", "run", "--rm", "-T", "api", "nslookup", "database")
            #expect(run.code == 0 && run.out.contains(db), "\(run.out) \(run.err)")
            #expect(try s.docker("ps", "-aq", "--filter", "name=kproj_api_run").out.isEmpty)

            let down = try compose(s, dir, "kproj", "down", "-t", "1")
            #expect(down.code == 0, "\(down.err)")
            #expect(try s.docker("ps", "-aq").out.isEmpty)
            #expect(lines(try s.docker("network", "ls", "--format", "{{.Name}}").out).sorted() == ["bridge", "host", "none"])
        }
    }

    @Test func externalNetworkStaticAddressLinksExtraHostsAndASharedNamespace() throws {
        try withSandbox { s in
            let dir = try project(s, Self.linkedProject)
            #expect(try s.docker("network", "create", "kshared").code == 0)
            let up = try compose(s, dir, "k2", "up", "-d")
            #expect(up.code == 0, "\(up.err)")
            #expect(try ip(s, "k2_db_1", "k2_data") == "10.77.0.10")
            for name in ["db", "pg", "database", "k2_db_1"] { #expect(try lookup(s, "k2_app_1", name) == ["10.77.0.10"], "\(name)") }
            // The link alias is the linking container's own: db does not resolve it.
            #expect(try lookup(s, "k2_db_1", "database") == [])
            #expect(try s.docker("exec", "k2_app_1", "cat", "/etc/hosts").out.contains("10.9.9.9\toutside.example"))
            let appIP = try ip(s, "k2_app_1", "kshared")
            #expect(try s.docker("exec", "k2_sidecar_1", "ip", "-o", "-4", "addr").out.contains(appIP + "/"))
            #expect(try compose(s, dir, "k2", "ps").out.contains("5432/tcp"))
            let links = try s.docker("inspect", "-f", "{{json (index .NetworkSettings.Networks \"k2_data\").Links}}", "k2_app_1").out
            #expect(links.contains("database"), "\(links)")
            #expect(try compose(s, dir, "k2", "down", "-t", "1").code == 0)
            #expect(try s.docker("ps", "-aq").out.isEmpty)
            // The external network stays; the project's own goes.
            #expect(lines(try s.docker("network", "ls", "--format", "{{.Name}}").out).sorted() == ["bridge", "host", "kshared", "none"])
        }
    }
}
