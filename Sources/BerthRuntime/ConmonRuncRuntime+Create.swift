import BerthCore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

extension ConmonRuncRuntime {
    public func create(_ spec: ContainerSpec, bundle: String, logPath: String, exitDirectory: String) async throws -> Int32 {
        for (what, path) in [("bundle directory", bundle), ("log path", logPath), ("exit directory", exitDirectory)]
        where !path.hasPrefix("/") {
            throw RuntimeError.invalidSpec("the \(what) \"\(path)\" must be an absolute path")
        }
        let config = try OCISpecBuilder.encode(try specBuilder.build(spec))
        let id = spec.id
        // Refuse before touching anything: the files below belong to a container with this id.
        do {
            _ = try await runc(["state", id], id: id)
            throw RuntimeError.alreadyExists(id: id)
        } catch RuntimeError.notFound {}

        let layout = ContainerBundle(path: bundle)
        let record = ContainerBundle.Record(exitDirectory: exitDirectory, logPath: logPath)
        let arguments = conmonArguments(
            id: id, bundle: layout, record: record, tty: spec.tty, openStdin: spec.openStdin, stdinOnce: spec.stdinOnce)
        let configuration = self.configuration
        do {
            let pid = try await NamespaceThread.run {
                try Self.prepare(layout, record: record, config: config, id: id, configuration: configuration)
                return try Self.launchMonitor(id: id, arguments: arguments, bundle: layout, configuration: configuration)
            }
            remember(id: id, bundle: bundle)
            return pid
        } catch {
            // Leave no half-created container behind: runc keeps state for a failed create, conmon
            // its attach link.
            _ = try? await runc(["delete", "--force", id], id: id)
            try? await removeMonitorFiles(id: id, bundle: layout)
            throw error
        }
    }

    /// conmon's command line (argv[0] excluded), after podman's `sharedConmonArgs`.
    func conmonArguments(
        id: String, bundle: ContainerBundle, record: ContainerBundle.Record, tty: Bool, openStdin: Bool,
        stdinOnce: Bool = false
    ) -> [String] {
        var args = [
            "--api-version", "1",
            "-c", id, "-u", id, "-n", id,
            "-r", configuration.runcPath,
            "-b", bundle.path,
            "-p", bundle.containerPidFile,
            "--conmon-pidfile", bundle.conmonPidFile,
            "--exit-dir", record.exitDirectory,
            "--persist-dir", bundle.persistDirectory,
            "-l", "k8s-file:" + record.logPath,
            "--socket-dir-path", configuration.socketDirectory,
            "--runtime-arg", "--root", "--runtime-arg", configuration.runcRoot,
            // runc's own errors also go to a file: conmon's report can be cut short.
            "--runtime-arg", "--log", "--runtime-arg", bundle.runcLog, "--runtime-arg", "--log-format=json",
        ]
        if tty { args.append("-t") }
        // dockerd keeps stdin open across attaches unless StdinOnce (`run -i`); conmon closes it when
        // an attach client ends its input unless told to leave it open.
        if openStdin { args += stdinOnce ? ["-i"] : ["-i", "--leave-stdin-open"] }
        if let program = configuration.exitCommand.first {
            args += ["--exit-command", program]
            for argument in configuration.exitCommand.dropFirst() + [id] {
                args += ["--exit-command-arg", argument]
            }
        }
        return args
    }

    /// Creates the directories conmon expects (it fails silently, logging to syslog only, when
    /// one is missing), removes what a previous container with this id left, writes `config.json`
    /// and the runtime record. Blocking.
    private static func prepare(
        _ bundle: ContainerBundle, record: ContainerBundle.Record, config: [UInt8], id: String,
        configuration: Configuration
    ) throws {
        try checkCgroupsMounted()
        var info = stat()
        guard stat(bundle.path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw RuntimeError.invalidSpec("the bundle directory \(bundle.path) does not exist; create it first")
        }
        let logDirectory = String(record.logPath[..<(record.logPath.lastIndex(of: "/") ?? record.logPath.startIndex)])
        for directory in [record.exitDirectory, logDirectory, configuration.socketDirectory, bundle.persistDirectory]
        where !directory.isEmpty {
            try FileIO.makeDirectories(directory)
        }
        try FileIO.makeDirectories(configuration.runcRoot, mode: 0o700)
        for stale in [
            bundle.exitFile(id: id, record: record), bundle.conmonPidFile, bundle.containerPidFile, bundle.runcLog,
            configuration.socketDirectory + "/" + id,
        ] {
            try FileIO.removeIfPresent(stale)
        }
        try FileIO.write(config, to: bundle.config)
        try bundle.write(record)
    }

    /// runc needs a cgroup filesystem in its mount namespace; `ip netns exec` remounts /sys and
    /// leaves /sys/fs/cgroup empty, which runc reports only as "no cgroup mount found in mountinfo".
    private static func checkCgroupsMounted() throws {
        guard let mountinfo = try FileIO.readIfPresent("/proc/self/mountinfo") else { return }
        // `... - cgroup2 cgroup2 rw` / `... - cgroup cgroup rw,memory`: the type follows " - ".
        let text = String(decoding: mountinfo, as: UTF8.self)
        guard text.contains(" - cgroup2 ") || text.contains(" - cgroup ") else { throw RuntimeError.cgroupsNotMounted }
    }

    /// Starts conmon and reads the container's pid from its sync pipe. Blocking.
    ///
    /// conmon forks at once: its first process exits (we reap it) while the daemonized child runs
    /// `runc create` and reports `{"data": <pid>}` or `{"data": -1, "message": "<runc's error>"}`
    /// on fd 3 (`_OCI_SYNCPIPE`), then keeps the pipe for reports nobody reads.
    private static func launchMonitor(
        id: String, arguments: [String], bundle: ContainerBundle, configuration: Configuration
    ) throws -> Int32 {
        let sync = try PipePair()
        let errors: PipePair
        do { errors = try PipePair() } catch {
            sync.closeBoth()
            throw error
        }
        let conmon: ChildProcess
        do {
            conmon = try ChildProcess.spawn(
                configuration.conmonPath, arguments,
                environment: ChildProcess.baseEnvironment + ["_OCI_SYNCPIPE=3"],
                files: [(2, errors.write), (3, sync.write)], newProcessGroup: true)
        } catch {
            sync.closeBoth()
            errors.closeBoth()
            throw error
        }
        close(sync.write)
        close(errors.write)
        defer {
            close(sync.read)
            close(errors.read)
        }

        let status = try conmon.wait()
        let conmonStderr = Self.readAvailable(errors.read)
        guard status == .exited(0) else {
            throw RuntimeError.commandFailed(
                command: "conmon", status: status.code, stderr: ChildProcess.Output.trim(conmonStderr))
        }

        let report: [UInt8]
        do {
            report = try readLine(sync.read, timeout: configuration.createTimeout)
        } catch {
            if let pid = bundle.conmonPid(),
                ExitFileWatcher.isMonitorAlive(pid, name: ExitFileWatcher.processName(of: configuration.conmonPath))
            {
                Glibc.kill(pid, SIGKILL)
            }
            throw error
        }
        guard !report.isEmpty else {
            let runcError = (try? FileIO.readIfPresent(bundle.runcLog)).flatMap { $0 }.map { RuncState.errorMessage($0) }
            throw RuntimeError.monitorExited(
                id: id,
                detail: "it reported no pid"
                    + (runcError.map { $0.isEmpty ? "" : "; runc said: \($0)" } ?? "")
                    + " (conmon logs only to syslog; check that \(configuration.socketDirectory)"
                    + " and the exit and log directories are writable)")
        }
        struct Report: Decodable {
            var data: Int32
            var message: String?
        }
        guard let decoded = try? JSONDecoder().decode(Report.self, from: Data(report)) else {
            throw RuntimeError.malformed("conmon sent an unexpected report: \(ChildProcess.Output.trim(report))")
        }
        guard decoded.data > 0 else {
            let message = ChildProcess.Output.trim(Array((decoded.message ?? "no message").utf8))
            if message.contains("already exists") { throw RuntimeError.alreadyExists(id: id) }
            throw RuntimeError.createFailed(id: id, message: message)
        }
        return decoded.data
    }

    /// Reads up to and excluding the first newline; empty when the writer closed without one.
    private static func readLine(_ fd: Int32, timeout: Duration) throws -> [UInt8] {
        let deadline = ContinuousClock.now + timeout
        var line: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                throw RuntimeError.timeout(operation: "conmon's report of the container's pid (runc create)")
            }
            var fds = [pollfd(fd: fd, events: Int16(POLLIN), revents: 0)]
            let milliseconds = Int32(min(remaining.components.seconds * 1000 + 1, 60_000))
            let ready = poll(&fds, 1, milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw RuntimeError.system(call: "poll", path: "conmon sync pipe", errno: errno)
            }
            if ready == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RuntimeError.system(call: "read", path: "conmon sync pipe", errno: errno)
            }
            if n == 0 { return line }
            line += buffer[0..<n]
            if let newline = line.firstIndex(of: 0x0a) { return Array(line[..<newline]) }
        }
    }

    /// What is in a pipe right now, without waiting for its writers to close it (conmon's
    /// daemonized child may still hold a copy for a moment).
    private static func readAvailable(_ fd: Int32) -> [UInt8] {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 65536 {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        return bytes
    }
}
