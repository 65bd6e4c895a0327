import BerthCore
import Foundation
import BerthRuntime
import BerthStore

extension ContainerService {
    /// Registers a command to run in a running container; `startExec` runs it.
    public func createExec(
        _ ref: String, args: [String], env: [String], user: String, workingDir: String, tty: Bool, attachStdout: Bool,
        attachStderr: Bool, attachStdin: Bool = false
    ) throws(BerthError) -> ExecInstance {
        let c = try find(ref)
        guard c.status == .running else { throw .conflict("Container \(c.id) is not running") }
        guard !args.isEmpty else { throw .invalidArgument("No exec command specified") }
        var exec = ExecInstance(
            id: Identifier.random(), containerID: c.id, args: args, env: env, user: user,
            workingDir: workingDir, tty: tty, attachStdout: attachStdout, attachStderr: attachStderr)
        exec.attachStdin = attachStdin
        execs[exec.id] = exec
        publish("exec_create: " + args.joined(separator: " "), c)
        return exec
    }

    public func exec(_ id: String) throws(BerthError) -> ExecInstance {
        guard let e = execs[id] else { throw .notFound("No such exec instance: \(id)") }
        return e
    }

    /// Marks an exec as running and returns it with its container and process.
    private func beginExec(_ id: String) throws -> (ExecInstance, ContainerRecord, ExecProcess) {
        var e = try exec(id)
        guard !e.running, e.exitCode == nil else { throw BerthError.conflict("Exec \(id) has already run") }
        let c = try find(e.containerID)
        guard c.status == .running else { throw BerthError.conflict("Container \(c.id) is not running") }
        e.running = true
        execs[id] = e
        publish("exec_start: " + e.args.joined(separator: " "), c)
        let process = ExecProcess(
            args: e.args, env: ContainerService.mergeEnv(image: c.env, container: e.env),
            cwd: e.workingDir.isEmpty ? (c.workingDir.isEmpty ? "/" : c.workingDir) : e.workingDir, tty: e.tty)
        return (e, c, process)
    }

    /// Records an exec's end.
    func finishExec(_ id: String, code: Int32) {
        guard var e = execs[id] else { return }
        e.running = false
        e.exitCode = code
        execs[id] = e
        execSessions[id] = nil
        if let c = containers[e.containerID] { publish("exec_die", c, ["exitCode": "\(code)"]) }
    }

    /// Starts an exec with its stdio streamed (`-i`, `-t`); the caller pumps it and reports the
    /// exit with `execEnded`.
    public func startInteractiveExec(_ id: String) async throws -> any InteractiveExec {
        let (_, c, process) = try beginExec(id)
        do {
            let session = try await runtime.execInteractive(id: c.id, process: process)
            execSessions[id] = session
            return session
        } catch {
            finishExec(id, code: 126)
            throw error
        }
    }

    /// An interactive exec's process exited.
    public func execEnded(_ id: String, code: Int32) { finishExec(id, code: code) }

    /// Resizes an interactive exec's terminal (`docker exec -it` sends the client's size).
    public func resizeExec(_ id: String, height: Int, width: Int) throws(BerthError) {
        _ = try exec(id)
        execSessions[id]?.resize(height: height, width: width)
    }

    /// Runs an exec to completion and returns its output.
    public func startExec(_ id: String) async throws -> ExecResult {
        let (_, c, process) = try beginExec(id)
        let result: ExecResult
        do {
            result = try await runtime.exec(id: c.id, process: process)
        } catch {
            finishExec(id, code: 126)
            throw error
        }
        finishExec(id, code: result.exitCode)
        return result
    }

    /// The container's output so far, from conmon's log file, which stays after the container
    /// exits (the runtime forgets a container once it is torn down; its log is ours).
    public func logs(_ ref: String) async throws -> (ContainerRecord, [LogLine]) {
        let c = try find(ref)
        let path = paths.containerDirectory(c.id) + "/container.log"
        guard await ContainerFiles.exists(path) else { return (c, []) }
        return (c, try await ConmonRuncRuntime.readLog(at: path))
    }
}
