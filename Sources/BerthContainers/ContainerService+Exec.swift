import BerthCore
import Foundation
import BerthRuntime
import BerthStore

extension ContainerService {
    /// Registers a command to run in a running container; `startExec` runs it.
    public func createExec(_ ref: String, args: [String], env: [String], user: String, workingDir: String, tty: Bool, attachStdout: Bool, attachStderr: Bool) throws(BerthError) -> ExecInstance {
        let c = try find(ref)
        guard c.status == .running else { throw .conflict("Container \(c.id) is not running") }
        guard !args.isEmpty else { throw .invalidArgument("No exec command specified") }
        let exec = ExecInstance(
            id: Identifier.random(), containerID: c.id, args: args, env: env, user: user,
            workingDir: workingDir, tty: tty, attachStdout: attachStdout, attachStderr: attachStderr)
        execs[exec.id] = exec
        return exec
    }

    public func exec(_ id: String) throws(BerthError) -> ExecInstance {
        guard let e = execs[id] else { throw .notFound("No such exec instance: \(id)") }
        return e
    }

    /// Runs an exec to completion and returns its output (interactive streams come later).
    public func startExec(_ id: String) async throws -> ExecResult {
        var e = try exec(id)
        guard !e.running, e.exitCode == nil else { throw BerthError.conflict("Exec \(id) has already run") }
        let c = try find(e.containerID)
        guard c.status == .running else { throw BerthError.conflict("Container \(c.id) is not running") }
        e.running = true
        execs[id] = e
        let process = ExecProcess(
            args: e.args, env: ContainerService.mergeEnv(image: c.env, container: e.env),
            cwd: e.workingDir.isEmpty ? (c.workingDir.isEmpty ? "/" : c.workingDir) : e.workingDir, tty: e.tty)
        let result: ExecResult
        do {
            result = try await runtime.exec(id: c.id, process: process)
        } catch {
            e.running = false
            e.exitCode = 126
            execs[id] = e
            throw error
        }
        e.running = false
        e.exitCode = result.exitCode
        execs[id] = e
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
