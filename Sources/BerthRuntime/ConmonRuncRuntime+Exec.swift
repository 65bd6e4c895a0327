import BerthCore

extension ConmonRuncRuntime {
    /// Runs `process` in the container with `runc exec --process`, without a monitor: the session
    /// ends with the call, as `docker exec` without `-d`. Its stdout and stderr are collected
    /// (up to 16 MiB each); its exit status is returned even when not 0.
    ///
    /// Throws `notRunning` for a stopped container, and `commandFailed` when runc could not start
    /// the process at all (no such executable, bad working directory): runc's error is the message.
    public func exec(id: String, process: ExecProcess) async throws -> ExecResult {
        guard !process.tty else {
            throw RuntimeError.unsupported("exec with a TTY", hint: "run the command without -t")
        }
        let (processJSON, processFile, logFile, global) = try await execFiles(id: id, process: process)
        let path = configuration.runcPath
        let arguments = global + ["exec", "--process", processFile, id]
        let (output, runcLog) = try await NamespaceThread.run {
            try FileIO.write(processJSON, to: processFile, mode: 0o600)
            defer {
                try? FileIO.removeIfPresent(processFile)
                try? FileIO.removeIfPresent(logFile)
            }
            let output = try ChildProcess.run(path, arguments)
            return (output, try FileIO.readIfPresent(logFile) ?? [])
        }
        // The process's own stderr and runc's errors share the pipe; runc's log tells them apart.
        if let runcError = RuncState.loggedError(runcLog) {
            if runcError.contains("stopped container") || runcError.contains("not running") {
                throw RuntimeError.notRunning(id: id)
            }
            throw RuntimeError.commandFailed(command: "runc exec", status: output.status.code, stderr: runcError)
        }
        return ExecResult(exitCode: output.status.code, stdout: output.stdout, stderr: output.stderr)
    }
}

extension ConmonRuncRuntime {
    /// What both exec forms need: the process spec's JSON, the files it and runc's log go to (in the
    /// running container's bundle, unique per session), and runc's global arguments.
    private func execFiles(id: String, process: ExecProcess) async throws
        -> (processJSON: [UInt8], processFile: String, logFile: String, global: [String]) {
        let processJSON = try OCISpecBuilder.encodeProcess(try specBuilder.execProcess(process))
        let current = try await state(id: id)
        guard current.status == .running else { throw RuntimeError.notRunning(id: id) }
        let name = ContainerBundle(path: current.bundle).path + "/exec-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let logFile = name + ".log"
        return (processJSON, name + ".json", logFile, ["--root", configuration.runcRoot, "--log", logFile, "--log-format", "json"])
    }

    /// Starts `process` with `runc exec` in the foreground, its stdio streamed (`docker exec -i` and
    /// `-it`; see `RuncExecSession`). runc's own failure (no such executable) is reported from its
    /// log once the session ends with status 255.
    public func execInteractive(id: String, process: ExecProcess) async throws -> any InteractiveExec {
        let (processJSON, processFile, logFile, global) = try await execFiles(id: id, process: process)
        let runc = configuration.runcPath
        let tty = process.tty
        let session = try await NamespaceThread.run {
            try FileIO.write(processJSON, to: processFile, mode: 0o600)
            do {
                return try RuncExecSession.start(runc: runc, global: global, processFile: processFile, id: id, tty: tty)
            } catch {
                try? FileIO.removeIfPresent(processFile)
                let log = (try? FileIO.readIfPresent(logFile)) ?? nil
                try? FileIO.removeIfPresent(logFile)
                if let log, let message = RuncState.loggedError(log) {
                    throw RuntimeError.commandFailed(command: "runc exec", status: 255, stderr: message)
                }
                throw error
            }
        }
        return CleaningExec(session: session, processFile: processFile, logFile: logFile)
    }
}

/// Removes the session's process and log files once it has been waited for, and turns runc's own
/// failure to start the process into dockerd's exit codes (127: not found, 126: cannot run).
private struct CleaningExec: InteractiveExec {
    let session: RuncExecSession
    let processFile: String
    let logFile: String
    var output: AsyncStream<AttachSocket.Chunk> { session.output }
    func write(_ bytes: [UInt8]) async throws { try await session.write(bytes) }
    func closeInput() { session.closeInput() }
    func resize(height: Int, width: Int) { session.resize(height: height, width: width) }
    func hangUp() { session.hangUp() }
    func wait() async -> Int32 {
        let code = await session.wait()
        let (processFile, logFile) = (self.processFile, self.logFile)
        let log: [UInt8]? = (try? await NamespaceThread.run { () -> [UInt8]? in
            defer {
                try? FileIO.removeIfPresent(processFile)
                try? FileIO.removeIfPresent(logFile)
            }
            return try? FileIO.readIfPresent(logFile)
        }) ?? nil
        guard code == 255, let log, let message = RuncState.loggedError(log) else { return code }
        return message.contains("executable file not found") || message.contains("no such file or directory") ? 127 : 126
    }
}
