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
        let processJSON = try OCISpecBuilder.encodeProcess(try specBuilder.execProcess(process))
        let current = try await state(id: id)
        guard current.status == .running else { throw RuntimeError.notRunning(id: id) }

        let bundle = ContainerBundle(path: current.bundle)
        let name = "exec-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let processFile = bundle.path + "/" + name + ".json"
        let logFile = bundle.path + "/" + name + ".log"
        let path = configuration.runcPath
        let arguments = [
            "--root", configuration.runcRoot, "--log", logFile, "--log-format", "json",
            "exec", "--process", processFile, id,
        ]
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
        if String(decoding: runcLog, as: UTF8.self).contains("\"level\":\"error\"") {
            let runcError = RuncState.errorMessage(runcLog)
            if runcError.contains("stopped container") || runcError.contains("not running") {
                throw RuntimeError.notRunning(id: id)
            }
            throw RuntimeError.commandFailed(command: "runc exec", status: output.status.code, stderr: runcError)
        }
        return ExecResult(exitCode: output.status.code, stdout: output.stdout, stderr: output.stderr)
    }
}

extension ConmonRuncRuntime {
    /// Starts `process` with `runc exec` in the foreground, its stdio streamed (`docker exec -i` and
    /// `-it`; see `RuncExecSession`). runc's own failure (no such executable) is reported from its
    /// log once the session ends with status 255.
    public func execInteractive(id: String, process: ExecProcess) async throws -> any InteractiveExec {
        let processJSON = try OCISpecBuilder.encodeProcess(try specBuilder.execProcess(process))
        let current = try await state(id: id)
        guard current.status == .running else { throw RuntimeError.notRunning(id: id) }
        let bundle = ContainerBundle(path: current.bundle)
        let name = "exec-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let processFile = bundle.path + "/" + name + ".json"
        let logFile = bundle.path + "/" + name + ".log"
        let runc = configuration.runcPath
        let global = ["--root", configuration.runcRoot, "--log", logFile, "--log-format", "json"]
        let tty = process.tty
        let session = try await NamespaceThread.run {
            try FileIO.write(processJSON, to: processFile, mode: 0o600)
            do {
                return try RuncExecSession.start(runc: runc, global: global, processFile: processFile, id: id, tty: tty)
            } catch {
                try? FileIO.removeIfPresent(processFile)
                let log = (try? FileIO.readIfPresent(logFile)) ?? nil
                try? FileIO.removeIfPresent(logFile)
                if let log, String(decoding: log, as: UTF8.self).contains("\"level\":\"error\"") {
                    throw RuntimeError.commandFailed(command: "runc exec", status: 255, stderr: RuncState.errorMessage(log))
                }
                throw error
            }
        }
        return CleaningExec(session: session, files: [processFile, logFile])
    }
}

/// Removes the session's process and log files once it has been waited for.
private struct CleaningExec: InteractiveExec {
    let session: RuncExecSession
    let files: [String]
    var output: AsyncStream<AttachSocket.Chunk> { session.output }
    func write(_ bytes: [UInt8]) async throws { try await session.write(bytes) }
    func closeInput() { session.closeInput() }
    func resize(height: Int, width: Int) { session.resize(height: height, width: width) }
    func wait() async -> Int32 {
        let code = await session.wait()
        let files = self.files
        _ = try? await NamespaceThread.run { for f in files { try? FileIO.removeIfPresent(f) } }
        return code
    }
}
