import BerthCore
import BerthRuntime
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// runc under conmon against the real kernel, with a busybox root filesystem built from Debian's
/// busybox-static. Each test works in a sandbox of its own: a temp directory (rootfs, bundles,
/// logs, exit files, runc's state), a network namespace made with `ip netns add` (containers never
/// join the host's) and a cgroup parent, all named after a random tag and removed in reverse order
/// even when the test throws. After each container's `delete`, the test checks that nothing is
/// left: no runc state, cgroup, mount, exit file, attach link or running conmon.
@Suite(
    "Runtime: runc under conmon", .serialized,
    .enabled(if: RuntimeSandbox.canRun, "needs root, runc, conmon, ip and busybox-static (scripts/install-deps.sh)"))
struct RuntimeTests {
    @Test("a container's output goes to the log, its exit status to waitExit and state")
    func exitCodeAndLogs() async throws {
        try await RuntimeSandbox.with { s in
            let id = s.tag + "-hello"
            let pid = try await s.create(id, ["sh", "-c", "echo hello; echo oops >&2; exit 3"])
            #expect(pid > 0)
            #expect(try await s.runtime.state(id: id).status == .created)
            try await s.runtime.start(id: id)
            #expect(try await s.runtime.waitExit(id: id) == 3)

            let state = try await s.runtime.state(id: id)
            #expect(state.status == .stopped)
            #expect(state.exitCode == 3)
            #expect(state.pid == nil)
            let logs = try await s.runtime.logs(id: id)
            #expect(logs.filter { $0.stream == .stdout }.map(\.text) == ["hello\n"])
            #expect(logs.filter { $0.stream == .stderr }.map(\.text) == ["oops\n"])

            let conmon = s.conmonPid(id)
            try await s.runtime.delete(id: id, force: false)
            try await s.expectGone(id, conmon: conmon)
        }
    }

    @Test("a running container: own network namespace and cgroup, exec, kill, wait")
    func runningContainer() async throws {
        try await RuntimeSandbox.with { s in
            let id = s.tag + "-sleep"
            _ = try await s.create(id, ["sleep", "100"])
            try await s.runtime.start(id: id)
            let state = try await s.runtime.state(id: id)
            #expect(state.status == .running)
            let pid = try #require(state.pid)

            // The container is in the namespace the sandbox made, never in the host's.
            let containerNet = try RuntimeSandbox.inode("/proc/\(pid)/ns/net")
            #expect(containerNet == (try RuntimeSandbox.inode(s.netnsPath)))
            #expect(containerNet != (try RuntimeSandbox.inode("/proc/self/ns/net")))
            #expect(try RuntimeSandbox.inode("/proc/\(pid)/ns/pid") != (try RuntimeSandbox.inode("/proc/self/ns/pid")))
            // And in its cgroup `<parent>/<id>` (every v1 hierarchy, or the v2 one).
            let cgroups = try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)
            #expect(cgroups.split(separator: "\n").contains { $0.hasSuffix(":\(s.cgroupParent)/\(id)") })

            let hello = try await s.runtime.exec(id: id, process: ExecProcess(args: ["echo", "hi"]))
            #expect(hello == ExecResult(exitCode: 0, stdout: Array("hi\n".utf8), stderr: []))
            let failing = try await s.runtime.exec(id: id, process: ExecProcess(args: ["sh", "-c", "echo no >&2; exit 5"]))
            #expect(failing.exitCode == 5)
            #expect(failing.stderrText == "no\n")
            let hostname = try await s.runtime.exec(id: id, process: ExecProcess(args: ["hostname"]))
            #expect(hostname.stdoutText == "sleeper\n")
            // The open-files limit asked for (1048576) was capped at what this host allows.
            let ulimit = try await s.runtime.exec(id: id, process: ExecProcess(args: ["sh", "-c", "ulimit -n"]))
            let hard = HostRlimits.current().hard[.RLIMIT_NOFILE].map { min($0, 1_048_576) }
            #expect(ulimit.stdoutText == "\(hard ?? 0)\n")
            await #expect(throws: RuntimeError.self) {
                try await s.runtime.exec(id: id, process: ExecProcess(args: ["/no/such/program"]))
            }

            // A waiter registered before the exit is woken by it.
            async let exit = s.runtime.waitExit(id: id)
            try await Task.sleep(for: .milliseconds(100))
            try await s.runtime.kill(id: id, signal: SIGKILL)
            #expect(try await exit == 128 + SIGKILL)
            #expect(try await s.runtime.state(id: id).exitCode == 128 + SIGKILL)
            await #expect(throws: RuntimeError.notRunning(id: id)) { try await s.runtime.kill(id: id, signal: SIGTERM) }
            await #expect(throws: RuntimeError.notRunning(id: id)) {
                try await s.runtime.exec(id: id, process: ExecProcess(args: ["true"]))
            }

            let conmon = s.conmonPid(id)
            try await s.runtime.delete(id: id, force: false)
            try await s.expectGone(id, conmon: conmon)
        }
    }

    @Test("the container outlives the runtime object that started it; a new one takes over")
    func survivesItsCreator() async throws {
        try await RuntimeSandbox.with { s in
            let id = s.tag + "-keep"
            do {
                let creator = ConmonRuncRuntime(configuration: s.configuration)
                _ = try await creator.create(
                    s.spec(id, ["sleep", "100"]), bundle: try s.bundle(id), logPath: s.logPath(id),
                    exitDirectory: s.exitDirectory)
                try await creator.start(id: id)
            }
            // conmon double-forked: it is neither our child nor in our session, so it outlives us.
            let conmon = try #require(s.conmonPid(id))
            let (parent, session) = try #require(RuntimeSandbox.parentAndSession(conmon))
            #expect(parent != getpid())
            #expect(session != getsid(0))

            let successor = ConmonRuncRuntime(configuration: s.configuration)
            #expect(try await successor.state(id: id).status == .running)
            await #expect(throws: RuntimeError.stillRunning(id: id)) { try await successor.delete(id: id, force: false) }
            try await successor.delete(id: id, force: true)
            try await s.expectGone(id, conmon: conmon)
        }
    }

    @Test("waitExit fails instead of hanging when conmon dies without an exit file")
    func monitorDeath() async throws {
        try await RuntimeSandbox.with { s in
            let id = s.tag + "-orphan"
            _ = try await s.create(id, ["sleep", "100"])
            try await s.runtime.start(id: id)
            let conmon = try #require(s.conmonPid(id))
            #expect(kill(conmon, SIGKILL) == 0)
            let error = await #expect(throws: RuntimeError.self) { try await s.runtime.waitExit(id: id, timeout: .seconds(5)) }
            guard case .monitorExited = error else {
                Issue.record("expected monitorExited, got \(String(describing: error))")
                return
            }
            // The container itself is still there; a forced delete removes it.
            #expect(try await s.runtime.state(id: id).status == .running)
            try await s.runtime.delete(id: id, force: true)
            try await s.expectGone(id, conmon: conmon)
        }
    }

    @Test("failures are typed and leave nothing behind")
    func failures() async throws {
        try await RuntimeSandbox.with { s in
            let id = s.tag + "-bad"
            var spec = s.spec(id, ["true"])
            spec.networkNamespacePath = s.netnsPath + "-missing"
            let error = await #expect(throws: RuntimeError.self) {
                try await s.runtime.create(spec, bundle: try s.bundle(id), logPath: s.logPath(id), exitDirectory: s.exitDirectory)
            }
            #expect(error?.description.contains("netns") == true, "\(String(describing: error))")
            try await s.expectGone(id, conmon: nil)
            await #expect(throws: RuntimeError.notFound(id: id)) { try await s.runtime.state(id: id) }
            await #expect(throws: RuntimeError.notFound(id: id)) { try await s.runtime.waitExit(id: id) }
            try await s.runtime.delete(id: id, force: false)  // nothing to delete: fine

            let twice = s.tag + "-twice"
            _ = try await s.create(twice, ["true"])
            await #expect(throws: RuntimeError.alreadyExists(id: twice)) { _ = try await s.create(twice, ["true"]) }
            // Never started: a forced delete kills the waiting init.
            let conmon = s.conmonPid(twice)
            try await s.runtime.delete(id: twice, force: true)
            try await s.expectGone(twice, conmon: conmon)
        }
    }
}

@Suite("RecordingRuntime follows runc's state machine")
struct RecordingRuntimeTests {
    private let spec = ContainerSpec(id: "c1", rootfs: "/r", args: ["sleep", "1"], hostname: "h", networkNamespacePath: nil)

    @Test("create, start, exit, wait, delete; errors as the real runtime's")
    func lifecycle() async throws {
        let runtime = RecordingRuntime()
        let pid = try await runtime.create(spec, bundle: "/b", logPath: "/l", exitDirectory: "/e")
        #expect(try await runtime.state(id: "c1") == RuntimeState(id: "c1", status: .created, pid: pid, exitCode: nil, bundle: "/b"))
        await #expect(throws: RuntimeError.alreadyExists(id: "c1")) {
            _ = try await runtime.create(spec, bundle: "/b", logPath: "/l", exitDirectory: "/e")
        }
        try await runtime.start(id: "c1")
        await #expect(throws: RuntimeError.stillRunning(id: "c1")) { try await runtime.delete(id: "c1", force: false) }
        async let code = runtime.waitExit(id: "c1")
        try await Task.sleep(for: .milliseconds(20))
        runtime.simulateExit(id: "c1", code: 3)
        #expect(try await code == 3)
        #expect(try await runtime.waitExit(id: "c1") == 3)
        await #expect(throws: RuntimeError.notRunning(id: "c1")) { try await runtime.kill(id: "c1", signal: SIGTERM) }
        try await runtime.delete(id: "c1", force: false)
        await #expect(throws: RuntimeError.notFound(id: "c1")) { try await runtime.state(id: "c1") }
        #expect(runtime.calls.first == .create(id: "c1", bundle: "/b", logPath: "/l", exitDirectory: "/e"))
        #expect(runtime.calls.contains(.delete(id: "c1", force: false)))
    }

    @Test("kill ends the container with 128 + signal; injected failures and exec results")
    func killAndScripting() async throws {
        let runtime = RecordingRuntime()
        _ = try await runtime.create(spec, bundle: "/b", logPath: "/l", exitDirectory: "/e")
        try await runtime.start(id: "c1")
        runtime.setExecHandler { _, process in ExecResult(exitCode: 7, stdout: Array(process.args.joined().utf8)) }
        let result = try await runtime.exec(id: "c1", process: ExecProcess(args: ["a", "b"]))
        #expect(result == ExecResult(exitCode: 7, stdout: Array("ab".utf8)))
        runtime.failNext(.kill, with: .commandFailed(command: "runc kill", status: 1, stderr: "boom"))
        await #expect(throws: RuntimeError.self) { try await runtime.kill(id: "c1", signal: SIGKILL) }
        try await runtime.kill(id: "c1", signal: SIGKILL)
        #expect(try await runtime.waitExit(id: "c1") == 137)
        let invalid = ContainerSpec(id: "bad id", rootfs: "/r", args: ["x"], hostname: "h", networkNamespacePath: nil)
        await #expect(throws: RuntimeError.self) {
            _ = try await runtime.create(invalid, bundle: "/b", logPath: "/l", exitDirectory: "/e")
        }
    }
}

/// One test's world: directories under `/tmp/<tag>`, a network namespace `<tag>`, cgroup parent
/// `/<tag>`, and a runtime whose runc state and conmon sockets live in the directory.
private final class RuntimeSandbox: @unchecked Sendable {
    // @unchecked: used by one test at a time; `created` is only touched from that test's task.
    let tag = "bt-" + String(Identifier.random().prefix(6))
    var root: String { "/tmp/" + tag }
    var rootfs: String { root + "/rootfs" }
    var exitDirectory: String { root + "/exits" }
    var netnsPath: String { "/run/netns/" + tag }
    var cgroupParent: String { "/" + tag }
    let configuration: ConmonRuncRuntime.Configuration
    let runtime: ConmonRuncRuntime
    private var created: [String] = []

    static var canRun: Bool {
        let tools: [String] = ["/usr/bin/runc", "/usr/bin/conmon", "/bin/busybox", "/usr/sbin/ip"]
        return getuid() == 0 && tools.allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private init() {
        configuration = ConmonRuncRuntime.Configuration(
            runcRoot: "/tmp/\(tag)/runc", socketDirectory: "/tmp/\(tag)/sock", killTimeout: .seconds(5))
        runtime = ConmonRuncRuntime(configuration: configuration)
    }

    /// Runs `body` in a fresh sandbox and removes it afterwards, also when `body` throws.
    static func with(_ body: (RuntimeSandbox) async throws -> Void) async throws {
        let sandbox = RuntimeSandbox()
        do {
            try sandbox.setUp()
            try await body(sandbox)
        } catch {
            sandbox.tearDown()
            throw error
        }
        sandbox.tearDown()
        #expect(!FileManager.default.fileExists(atPath: sandbox.netnsPath), "network namespace \(sandbox.tag) left behind")
    }

    /// A busybox root filesystem (links made by `busybox --install -s`, pointing where Debian's
    /// busybox lives, with the binary copied there), `/etc/passwd`, `/etc/group`, and the netns.
    private func setUp() throws {
        let fm = FileManager.default
        for dir in ["bin", "etc", "proc", "sys", "dev", "tmp", "root"] {
            try fm.createDirectory(atPath: rootfs + "/" + dir, withIntermediateDirectories: true)
        }
        try Shell.must("/bin/busybox", ["--install", "-s", rootfs + "/bin"])
        let target = try fm.destinationOfSymbolicLink(atPath: rootfs + "/bin/sh")
        try fm.createDirectory(atPath: rootfs + (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        if target != "/bin/busybox" { try? fm.removeItem(atPath: rootfs + "/bin/busybox") }
        try fm.copyItem(atPath: "/bin/busybox", toPath: rootfs + target)
        try "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n"
            .write(toFile: rootfs + "/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\nnogroup:x:65534:\n".write(toFile: rootfs + "/etc/group", atomically: true, encoding: .utf8)
        try Shell.must("/usr/sbin/ip", ["netns", "add", tag])
    }

    /// LIFO: containers (forced), the namespace, cgroup parents runc made, the directory.
    private func tearDown() {
        for id in created.reversed() {
            _ = try? Shell.run("/usr/bin/runc", ["--root", configuration.runcRoot, "delete", "--force", id])
        }
        _ = try? Shell.run("/usr/sbin/ip", ["netns", "del", tag])
        for hierarchy in Self.cgroupHierarchies() {
            rmdir(hierarchy + cgroupParent)
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    func spec(_ id: String, _ args: [String]) -> ContainerSpec {
        ContainerSpec(
            id: id, rootfs: rootfs, args: args, hostname: "sleeper", networkNamespacePath: netnsPath,
            cgroupParent: cgroupParent)
    }

    func bundle(_ id: String) throws -> String {
        let path = root + "/bundles/" + id
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        created.append(id)
        return path
    }

    func logPath(_ id: String) -> String { root + "/logs/" + id + ".log" }

    /// Creates `id` running `args` with the sandbox's runtime.
    func create(_ id: String, _ args: [String]) async throws -> Int32 {
        try await runtime.create(spec(id, args), bundle: try bundle(id), logPath: logPath(id), exitDirectory: exitDirectory)
    }

    func conmonPid(_ id: String) -> Int32? {
        (try? String(contentsOfFile: root + "/bundles/" + id + "/conmon.pid", encoding: .utf8)).flatMap {
            Int32($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }

    /// Checks that `delete` left nothing: runc state, cgroup, host mounts, exit file, attach
    /// link, and (within 3 s) a conmon still running.
    func expectGone(_ id: String, conmon: Int32?) async throws {
        let list = try Shell.must("/usr/bin/runc", ["--root", configuration.runcRoot, "list", "-q"])
        #expect(!list.split(separator: "\n").contains(Substring(id)), "runc still lists \(id)")
        for hierarchy in Self.cgroupHierarchies() {
            let path = hierarchy + cgroupParent + "/" + id
            #expect(!FileManager.default.fileExists(atPath: path), "cgroup left: \(path)")
        }
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(root), "mounts left under \(root)")
        #expect(!FileManager.default.fileExists(atPath: exitDirectory + "/" + id), "exit file left")
        #expect((try? FileManager.default.destinationOfSymbolicLink(atPath: configuration.socketDirectory + "/" + id)) == nil)
        if let conmon {
            var alive = true
            for _ in 0..<60 where alive {
                alive = Self.isRunning(conmon)
                if alive { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(!alive, "conmon \(conmon) still running")
        }
    }

    /// `/sys/fs/cgroup` (v2) and each v1 hierarchy under it.
    static func cgroupHierarchies() -> [String] {
        let base = "/sys/fs/cgroup"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        var isDirectory: ObjCBool = false
        return [base] + entries.map { base + "/" + $0 }.filter {
            FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && isDirectory.boolValue
        }
    }

    static func inode(_ path: String) throws -> UInt64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw TestFailure("stat \(path): errno \(errno)") }
        return UInt64(info.st_ino)
    }

    /// The parent pid and session id of `pid`, from `/proc/<pid>/stat`.
    static func parentAndSession(_ pid: Int32) -> (Int32, Int32)? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // state, ppid, pgrp, session
        guard fields.count > 3, let parent = Int32(fields[1]), let session = Int32(fields[3]) else { return nil }
        return (parent, session)
    }

    /// Whether `pid` exists and is not a zombie.
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        return state != "Z" && state != "X"
    }
}
