import BerthCore
import Foundation

/// A berthd running in a network namespace (and private mount namespace) made for one test,
/// with its own data root, exec root and socket. `close()` undoes everything in reverse order,
/// and runs even when the test body throws (`withSandbox`).
final class DaemonSandbox: @unchecked Sendable {
    // @unchecked: used by one test at a time; no state is shared between threads.
    let tag = String(Identifier.random().prefix(6))
    var namespace: String { "berth-t-\(tag)" }
    let root: String
    var socket: String { root + "/run/berth.sock" }
    var host: String { "unix://" + socket }
    var dataRoot: String { root + "/data" }
    private var daemon: Process?
    private var cleanups: [() -> Void] = []
    let extraArgs: [String]

    static var repoRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    static var binDir: String {
        if let d = ProcessInfo.processInfo.environment["BERTH_BIN_DIR"], !d.isEmpty { return d }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug").path
    }

    /// The docker CLI the tests drive: `BERTH_DOCKER_CLI` when set (to run the suite against another
    /// client, such as Debian's 20.10 one), else /usr/local/bin/docker, else /usr/bin/docker.
    static var dockerCLI: String? {
        if let p = ProcessInfo.processInfo.environment["BERTH_DOCKER_CLI"], !p.isEmpty { return p }
        for p in ["/usr/local/bin/docker", "/usr/bin/docker"] where FileManager.default.isExecutableFile(atPath: p) { return p }
        return nil
    }

    /// The docker CLI's own version and the API version it asks for ("20.10.24+dfsg1", "1.41").
    static let dockerCLIVersion: (client: String, api: String) = {
        guard let cli = dockerCLI,
              let r = try? Shell.run(cli, ["-H", "unix:///nonexistent", "version", "--format", "{{.Client.Version}} {{.Client.APIVersion}}"])
        else { return ("", "") }
        let parts = r.out.split(separator: "\n").first?.split(separator: " ").map(String.init) ?? []
        return parts.count == 2 ? (parts[0], parts[1]) : ("", "")
    }()

    /// A docker CLI before 23 (Debian 12's docker.io is 20.10): it prints some daemon errors its own
    /// way ("Error: No such network: x"), lists `docker port` unsorted with IPv6 hosts unbracketed,
    /// sends `--ip` only for user-defined networks and no ConsoleSize. The daemon's side is the same.
    static var legacyDockerCLI: Bool {
        (Int(dockerCLIVersion.client.split(separator: ".").first ?? "") ?? 99) < 23
    }

    /// What the docker CLI prints for the daemon's 404 `daemonMessage` about `kind` `name`: CLIs
    /// before 23 print "Error: No such network: x" for network and image commands instead.
    static func cliNotFound(_ kind: String, _ name: String, daemonMessage: String) -> String {
        legacyDockerCLI ? "Error: No such \(kind): \(name)" : daemonMessage
    }

    static var isRoot: Bool { getuid() == 0 }

    /// `prepare` runs once the namespace exists, before berthd starts (links it needs at start).
    init(extraArgs: [String] = [], prepare: (DaemonSandbox) throws -> Void = { _ in }) throws {
        self.extraArgs = extraArgs
        root = "/tmp/berth-test-\(tag)"
        try FileManager.default.createDirectory(atPath: root + "/run", withIntermediateDirectories: true)
        cleanups.append { [root] in try? FileManager.default.removeItem(atPath: root) }
        try Shell.must("/usr/sbin/ip", ["netns", "add", namespace])
        cleanups.append { [namespace] in _ = try? Shell.run("/usr/sbin/ip", ["netns", "del", namespace]) }
        try Shell.must("/usr/sbin/ip", ["netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
        do {
            try prepare(self)
            try start()
        } catch {
            // No caller holds this sandbox yet to close it: undo here, or the namespace and roots leak.
            close()
            throw error
        }
    }

    /// Starts berthd in the namespace and waits until the API answers.
    func start(args: [String]? = nil, env: [String: String] = [:]) throws {
        let p = Process()
        if !env.isEmpty {
            var environment = ProcessInfo.processInfo.environment
            for (k, v) in env { environment[k] = v }
            p.environment = environment
        }
        // scripts/in-sandbox.sh: `ip netns exec` plus the cgroup mounts runc needs.
        p.executableURL = URL(fileURLWithPath: Self.repoRoot + "/scripts/in-sandbox.sh")
        p.arguments = [namespace, Self.binDir + "/berthd", "-H", host, "--data-root", dataRoot,
                       "--exec-root", root + "/exec"] + (args ?? extraArgs)
        let logPath = root + "/berthd.log"
        if !FileManager.default.fileExists(atPath: logPath) {
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw TestFailure("cannot open \(logPath)") }
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try Shell.launch(p)
        daemon = p
        for _ in 0..<200 {
            if let r = try? Shell.run("/usr/bin/env", ["python3", "-c", "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])", socket]), r.code == 0 {
                return
            }
            if !p.isRunning { throw TestFailure("berthd exited with \(p.terminationStatus): \(self.log)") }
            usleep(50_000)
        }
        throw TestFailure("berthd did not answer within 10 s: \(log)")
    }

    var log: String { (try? String(contentsOfFile: root + "/berthd.log", encoding: .utf8)) ?? "" }

    /// Stops berthd with `signal` and waits for it to exit.
    func stop(signal: Int32 = SIGTERM) {
        guard let p = daemon, p.isRunning else { return }
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        daemon = nil
    }

    /// Waits up to `seconds` for berthd to die on its own (a failpoint); returns how it ended
    /// (`true` when by SIGKILL). It is killed if still running, so the test can go on.
    func awaitDeath(within seconds: Double) -> Bool {
        guard let p = daemon else { return false }
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        let killed = !p.isRunning && p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL
        if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() }
        daemon = nil
        return killed
    }

    /// Sends SIGTERM and waits up to `seconds`; returns whether berthd exited in time
    /// (if not, it is killed so the test can go on).
    func terminate(within seconds: Double) -> Bool {
        guard let p = daemon, p.isRunning else { return true }
        kill(p.processIdentifier, SIGTERM)
        let deadline = Date().addingTimeInterval(seconds)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        let exited = !p.isRunning
        if !exited {
            kill(p.processIdentifier, SIGKILL)
            p.waitUntilExit()
        }
        daemon = nil
        return exited
    }

    var daemonExitStatus: Int32? { daemon.map { $0.isRunning ? -1 : $0.terminationStatus } }

    func close() {
        // Containers outlive berthd by design; remove them first so a failed test leaks none.
        if daemon?.isRunning == true {
            _ = try? Shell.run("/usr/bin/env", ["python3", Self.repoRoot + "/scripts/remove-all-containers.py", socket], timeout: 120)
        }
        stop()
        while let c = cleanups.popLast() { c() }
    }

    /// The docker CLI against this daemon.
    func docker(_ args: String...) throws -> Shell.Result { try docker(args) }

    /// The docker CLI against this daemon, with the arguments as an array.
    func docker(_ args: [String]) throws -> Shell.Result {
        guard let cli = Self.dockerCLI else { throw TestFailure("no docker CLI found; run make test, which installs one") }
        return try Shell.run(cli, ["-H", host] + args, env: ["DOCKER_CONFIG": root + "/docker-config"])
    }

    /// The berth CLI against this daemon.
    func berth(_ args: String...) throws -> Shell.Result {
        try Shell.run(Self.binDir + "/berth", ["-H", host] + args)
    }

    /// The berth CLI asking for the same API version as the docker CLI, to compare their outputs.
    func berthAsDockerCLI(_ args: String...) throws -> Shell.Result {
        try Shell.run(Self.binDir + "/berth", ["-H", host] + args, env: ["DOCKER_API_VERSION": Self.dockerCLIVersion.api])
    }

    /// A command inside the daemon's namespace (to look at the kernel's side).
    func inNamespace(_ args: String...) throws -> Shell.Result {
        try Shell.run("/usr/sbin/ip", ["netns", "exec", namespace] + args)
    }

    /// Starts a long-running command inside the daemon's namespace (a fake upstream server); it is
    /// stopped at `close()`.
    func startInNamespace(_ args: [String]) throws {
        try startIn(namespace: namespace, args)
    }

    /// An "outside" host for this daemon: a namespace of its own joined to the daemon's namespace by
    /// a veth pair, the daemon's end 10.99.0.1/24 and the outside's 10.99.0.2/24, with no route to
    /// any container subnet (so only masquerading or DNAT can carry traffic). Removed at `close()`.
    /// Returns the outside namespace's name.
    func makeOutside() throws -> String {
        let outside = "berth-x-\(tag)"
        try Shell.must("/usr/sbin/ip", ["netns", "add", outside])
        cleanups.append { _ = try? Shell.run("/usr/sbin/ip", ["netns", "del", outside]) }
        let ip = "/usr/sbin/ip"
        try Shell.must(ip, ["link", "add", "bx-\(tag)", "netns", namespace, "type", "veth", "peer", "name", "bo-\(tag)", "netns", outside])
        try Shell.must(ip, ["-n", namespace, "addr", "add", "10.99.0.1/24", "dev", "bx-\(tag)"])
        try Shell.must(ip, ["-n", namespace, "link", "set", "bx-\(tag)", "up"])
        try Shell.must(ip, ["-n", outside, "addr", "add", "10.99.0.2/24", "dev", "bo-\(tag)"])
        try Shell.must(ip, ["-n", outside, "link", "set", "bo-\(tag)", "up"])
        try Shell.must(ip, ["-n", outside, "link", "set", "lo", "up"])
        return outside
    }

    /// Starts a long-running command in namespace `ns` (`ip netns exec`), stopped at `close()`.
    func startIn(namespace ns: String, _ args: [String]) throws {
        try startProcess("/usr/sbin/ip", ["netns", "exec", ns] + args)
    }

    /// Starts a long-running process (a test server), killed at `close()`.
    func startProcess(_ path: String, _ args: [String]) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        // SIGKILL: a child of a Swift Testing thread may inherit a mask that blocks SIGTERM.
        cleanups.append { if p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
    }

    /// A raw API request through python's http.client; returns status and body.
    func api(_ method: String, _ path: String, body: String? = nil) throws -> (Int, String) {
        let script = """
        import http.client, socket, sys
        class C(http.client.HTTPConnection):
            def connect(self):
                self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(sys.argv[1])
        c = C("localhost"); b = sys.argv[4] if len(sys.argv) > 4 else None
        c.request(sys.argv[2], sys.argv[3], body=b, headers={"Content-Type": "application/json"} if b else {})
        r = c.getresponse(); sys.stdout.write(str(r.status) + "\\n" + "\\n".join(k + ": " + v for k, v in r.getheaders()) + "\\n\\n" + r.read().decode())
        """
        let r = try Shell.run("/usr/bin/env", ["python3", "-c", script, socket, method, path] + (body.map { [$0] } ?? []))
        guard r.code == 0 else { throw TestFailure("api request failed: \(r.err)") }
        let status = Int(r.out.prefix { $0 != "\n" }) ?? 0
        return (status, r.out)
    }

    /// Runs a Python snippet with `client` bound to a docker SDK client for this daemon.
    func python(_ code: String) throws -> Shell.Result {
        let prelude = "import docker, sys, json\nclient = docker.DockerClient(base_url='\(host)')\napi = client.api\n"
        // install-deps puts SDK 7 in /opt/berth-pydeps where the system's python3 has Debian's older one.
        let pydeps = "/opt/berth-pydeps"
        let env = FileManager.default.fileExists(atPath: pydeps) ? ["PYTHONPATH": pydeps] : [:]
        return try Shell.run("/usr/bin/env", ["python3", "-c", prelude + code], env: env)
    }
}

/// Runs `body` with a fresh sandboxed daemon and always tears it down.
func withSandbox<T>(extraArgs: [String] = [], _ body: (DaemonSandbox) throws -> T) throws -> T {
    let s = try DaemonSandbox(extraArgs: extraArgs)
    defer { s.close() }
    do {
        return try body(s)
    } catch {
        throw TestFailure("\(error)\n--- berthd log ---\n\(s.log)")
    }
}
