import BerthCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs containers with runc, each under its own conmon, as podman does.
///
/// `create` starts conmon, which daemonizes (forks, `setsid`, re-parents to init), runs
/// `runc create` and then stays as the container's monitor: it holds the container's stdio,
/// writes its output to the log in k8s-file format and, when the container exits, writes the
/// exit status to `<exit dir>/<id>`. Containers therefore keep running, logging and reporting
/// their exit when berthd stops or crashes; a restarted daemon finds them through runc's state
/// (`--root`) and the record kept in each bundle. The other operations call runc directly.
///
/// Every subprocess runs on a thread Berth owns; exit waits share one watcher thread.
public final class ConmonRuncRuntime: OCIRuntime {
    /// Where the helper programs are and where the runtime keeps its state.
    public struct Configuration: Sendable {
        public var runcPath: String
        public var conmonPath: String
        /// runc's state directory (`runc --root`): one directory per container.
        public var runcRoot: String
        /// conmon's attach sockets: `<socketDirectory>/<id>/attach`. Keep it short: a socket path
        /// must fit in 108 bytes.
        public var socketDirectory: String
        /// Run when a container exits (conmon `--exit-command`): program then arguments; the
        /// container id is appended as the last argument.
        public var exitCommand: [String]
        /// How long `create` waits for conmon to report the container's pid.
        public var createTimeout: Duration
        /// How long a forced `delete` waits for a killed container's exit to be recorded.
        public var killTimeout: Duration

        public init(
            runcPath: String = "/usr/bin/runc", conmonPath: String = "/usr/bin/conmon",
            runcRoot: String = "/run/berth/runc", socketDirectory: String = "/run/berth/conmon",
            exitCommand: [String] = [], createTimeout: Duration = .seconds(60), killTimeout: Duration = .seconds(10)
        ) {
            self.runcPath = runcPath
            self.conmonPath = conmonPath
            self.runcRoot = runcRoot
            self.socketDirectory = socketDirectory
            self.exitCommand = exitCommand
            self.createTimeout = createTimeout
            self.killTimeout = killTimeout
        }
    }

    public let configuration: Configuration
    let specBuilder: OCISpecBuilder
    private let watcher: ExitFileWatcher
    /// Bundles of containers this instance has seen, so most calls skip a `runc state`.
    private let bundles = Mutex<[String: String]>([:])

    /// - Parameter specBuilder: builds `config.json`; by default capping limits at this process's.
    public init(configuration: Configuration = .init(), specBuilder: OCISpecBuilder = .init()) {
        self.configuration = configuration
        self.specBuilder = specBuilder
        watcher = ExitFileWatcher(monitorPath: configuration.conmonPath)
    }

    public func start(id: String) async throws {
        _ = try await runc(["start", id], id: id)
    }

    public func kill(id: String, signal: Int32) async throws {
        _ = try await runc(["kill", id, String(signal)], id: id)
    }

    public func state(id: String) async throws -> RuntimeState {
        let runcState = try RuncState.decode(try await runc(["state", id], id: id).stdout)
        guard let status = RuntimeStatus(runcStatus: runcState.status) else {
            throw RuntimeError.malformed("runc reports an unknown status \"\(runcState.status)\" for \(id)")
        }
        bundles.withLock { $0[id] = runcState.bundle }
        var exitCode: Int32?
        if status == .stopped {
            let bundle = ContainerBundle(path: runcState.bundle)
            exitCode = try await NamespaceThread.run {
                try bundle.readRecord().flatMap { ExitFileWatcher.readExitCode(bundle.exitFile(id: id, record: $0)) }
            }
        }
        return RuntimeState(
            id: id, status: status, pid: status == .stopped || runcState.pid <= 0 ? nil : runcState.pid,
            exitCode: exitCode, bundle: runcState.bundle)
    }

    public func waitExit(id: String) async throws -> Int32 {
        let bundle = try await bundle(of: id)
        let record = try await record(of: id, in: bundle)
        return try await watcher.wait(id: id, exitFile: bundle.exitFile(id: id, record: record), bundle: bundle)
    }

    public func delete(id: String, force: Bool) async throws {
        let current: RuntimeState
        do {
            current = try await state(id: id)
        } catch RuntimeError.notFound {
            let known = bundles.withLock { $0[id] }
            try await removeMonitorFiles(id: id, bundle: known.map(ContainerBundle.init(path:)))
            return
        }
        if current.status != .stopped {
            guard force else { throw RuntimeError.stillRunning(id: id) }
            do {
                try await kill(id: id, signal: SIGKILL)
            } catch RuntimeError.notRunning {
                // It stopped between `state` and `kill`.
            }
            // Let conmon record the exit before the container and its files go; a monitor that
            // already died must not stop the delete.
            _ = try? await waitExit(id: id, timeout: configuration.killTimeout)
        }
        do {
            _ = try await runc(["delete", "--force", id], id: id)
        } catch RuntimeError.notFound {
            // Deleted concurrently: the goal is reached.
        }
        try await removeMonitorFiles(id: id, bundle: ContainerBundle(path: current.bundle))
    }

    public func logs(id: String) async throws -> [LogLine] {
        let bundle = try await bundle(of: id)
        let record = try await record(of: id, in: bundle)
        return try await Self.readLog(at: record.logPath)
    }

    /// Reads a k8s-file log written by conmon (also after the container is deleted, while the file exists).
    public static func readLog(at path: String) async throws -> [LogLine] {
        let bytes = try await NamespaceThread.run { try FileIO.readIfPresent(path) ?? [] }
        return ConmonLogAssembler.lines(from: ConmonLogEntry.parseAll(bytes))
    }

    /// conmon's attach socket for a container (a `SOCK_SEQPACKET` socket: one byte of stream id,
    /// then data). Interactive attach through it is not implemented yet.
    public func attachSocketPath(id: String) -> String {
        configuration.socketDirectory + "/" + id + "/attach"
    }

    /// `waitExit`, giving up after `timeout`.
    public func waitExit(id: String, timeout: Duration) async throws -> Int32 {
        try await withThrowingTaskGroup(of: Int32.self) { group in
            group.addTask { try await self.waitExit(id: id) }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw RuntimeError.timeout(operation: "waiting for container \(id) to exit")
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else {
                throw RuntimeError.timeout(operation: "waiting for container \(id) to exit")
            }
            return first
        }
    }

    // MARK: - Internals shared with the create and exec extensions

    /// Runs `runc --root <root> <arguments>` on a thread Berth owns; failures become typed errors.
    func runc(_ arguments: [String], id: String) async throws -> ChildProcess.Output {
        let path = configuration.runcPath
        let all = ["--root", configuration.runcRoot] + arguments
        let output = try await NamespaceThread.run { try ChildProcess.run(path, all) }
        guard output.status == .exited(0) else {
            throw Self.runcError(output, subcommand: arguments.first ?? "", id: id)
        }
        return output
    }

    /// The typed error for a failed runc call, recognizing runc's messages for the common cases.
    static func runcError(_ output: ChildProcess.Output, subcommand: String, id: String) -> RuntimeError {
        let message = RuncState.errorMessage(output.stderr)
        if message.contains("does not exist") { return .notFound(id: id) }
        if message.contains("already exists") { return .alreadyExists(id: id) }
        if message.contains("not running") || message.contains("stopped container") { return .notRunning(id: id) }
        if message.contains("not stopped") { return .stillRunning(id: id) }
        if case .signaled(let signal) = output.status {
            return .commandSignaled(command: "runc \(subcommand)", signal: signal, stderr: message)
        }
        return .commandFailed(command: "runc \(subcommand)", status: output.status.code, stderr: message)
    }

    /// The bundle of a container: remembered, or asked of runc.
    func bundle(of id: String) async throws -> ContainerBundle {
        if let path = bundles.withLock({ $0[id] }) { return ContainerBundle(path: path) }
        let runcState = try RuncState.decode(try await runc(["state", id], id: id).stdout)
        bundles.withLock { $0[id] = runcState.bundle }
        return ContainerBundle(path: runcState.bundle)
    }

    func remember(id: String, bundle: String) {
        bundles.withLock { $0[id] = bundle }
    }

    private func record(of id: String, in bundle: ContainerBundle) async throws -> ContainerBundle.Record {
        guard let record = try await NamespaceThread.run({ try bundle.readRecord() }) else {
            throw RuntimeError.malformed(
                "container \(id) has no runtime record in \(bundle.path): it was not created by Berth; "
                    + "remove it with runc --root \(configuration.runcRoot) delete --force \(id)")
        }
        return record
    }

    /// Removes what conmon leaves outside the bundle: the exit file and the attach-socket link.
    func removeMonitorFiles(id: String, bundle: ContainerBundle?) async throws {
        let link = configuration.socketDirectory + "/" + id
        try await NamespaceThread.run {
            if let bundle, let record = try? bundle.readRecord() {
                try FileIO.removeIfPresent(bundle.exitFile(id: id, record: record))
            }
            try FileIO.removeIfPresent(link)
        }
        _ = bundles.withLock { $0.removeValue(forKey: id) }
    }
}
