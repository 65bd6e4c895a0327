import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An in-memory `OCIRuntime` for tests of the layers above: it records every call, validates
/// specs as the real runtime does, and simulates runc's state machine (created → running →
/// stopped → deleted) with the same errors. Tests drive exits with `simulateExit`, feed logs
/// with `appendLog`, script exec results and inject failures with `failNext`.
public final class RecordingRuntime: OCIRuntime {
    /// One call as the runtime received it.
    public enum Call: Equatable, Sendable {
        case create(id: String, bundle: String, logPath: String, exitDirectory: String)
        case start(id: String)
        case kill(id: String, signal: Int32)
        case delete(id: String, force: Bool)
        case state(id: String)
        case waitExit(id: String)
        case exec(id: String, args: [String])
        case logs(id: String)
    }

    /// The operations, to target `failNext`.
    public enum Operation: Hashable, Sendable {
        case create, start, kill, delete, state, waitExit, exec, logs
    }

    private struct Container {
        var spec: ContainerSpec
        var bundle: String
        var status: RuntimeStatus
        var pid: Int32
        var exitCode: Int32?
        var logs: [LogLine] = []
        var waiters: [UInt64: CheckedContinuation<Int32, any Error>] = [:]
    }

    private struct State {
        var containers: [String: Container] = [:]
        var calls: [Call] = []
        var failures: [Operation: RuntimeError] = [:]
        var nextPid: Int32 = 1000
        var nextToken: UInt64 = 0
        var cancelled: Set<UInt64> = []
        var execHandler: (@Sendable (String, ExecProcess) -> ExecResult)?
    }

    private let store = Mutex(State())
    private let builder = OCISpecBuilder(hostRlimits: .unlimited)

    public init() {}

    /// Every call so far, in order.
    public var calls: [Call] { store.withLock { $0.calls } }

    /// The spec a container was created with.
    public func spec(of id: String) -> ContainerSpec? { store.withLock { $0.containers[id]?.spec } }

    /// Makes the next call of `operation` throw `error` (after recording it).
    public func failNext(_ operation: Operation, with error: RuntimeError) {
        store.withLock { $0.failures[operation] = error }
    }

    /// Answers exec calls; by default they exit 0 without output.
    public func setExecHandler(_ handler: @escaping @Sendable (_ id: String, _ process: ExecProcess) -> ExecResult) {
        store.withLock { $0.execHandler = handler }
    }

    /// Adds a line to a container's log.
    public func appendLog(id: String, _ line: LogLine) {
        store.withLock { $0.containers[id]?.logs.append(line) }
    }

    /// The container's process exits with `code` (if it is running or created), waking `waitExit`.
    public func simulateExit(id: String, code: Int32) {
        let waiters = store.withLock { s in Self.stop(&s, id: id, code: code) }
        for waiter in waiters { waiter.resume(returning: code) }
    }

    public func create(_ spec: ContainerSpec, bundle: String, logPath: String, exitDirectory: String) async throws -> Int32 {
        _ = try builder.build(spec)
        return try store.withLock { s in
            try Self.record(&s, .create(id: spec.id, bundle: bundle, logPath: logPath, exitDirectory: exitDirectory), .create)
            guard s.containers[spec.id] == nil else { throw RuntimeError.alreadyExists(id: spec.id) }
            s.nextPid += 1
            s.containers[spec.id] = Container(spec: spec, bundle: bundle, status: .created, pid: s.nextPid)
            return s.nextPid
        }
    }

    public func start(id: String) async throws {
        try store.withLock { s in
            try Self.record(&s, .start(id: id), .start)
            guard let c = s.containers[id] else { throw RuntimeError.notFound(id: id) }
            guard c.status == .created else {
                throw RuntimeError.commandFailed(
                    command: "runc start", status: 1, stderr: "cannot start a container in the \(c.status.rawValue) state")
            }
            s.containers[id]?.status = .running
        }
    }

    public func kill(id: String, signal: Int32) async throws {
        let waiters = try store.withLock { s -> [CheckedContinuation<Int32, any Error>] in
            try Self.record(&s, .kill(id: id, signal: signal), .kill)
            guard let c = s.containers[id] else { throw RuntimeError.notFound(id: id) }
            guard c.status != .stopped else { throw RuntimeError.notRunning(id: id) }
            // Signals whose default action does not end a process leave it running.
            let harmless: Set<Int32> = [0, SIGCHLD, SIGCONT, SIGURG, SIGWINCH]
            return harmless.contains(signal) ? [] : Self.stop(&s, id: id, code: 128 + signal)
        }
        for waiter in waiters { waiter.resume(returning: 128 + signal) }
    }

    public func delete(id: String, force: Bool) async throws {
        let waiters = try store.withLock { s -> [CheckedContinuation<Int32, any Error>] in
            try Self.record(&s, .delete(id: id, force: force), .delete)
            guard let c = s.containers[id] else { return [] }
            if c.status != .stopped && !force { throw RuntimeError.stillRunning(id: id) }
            let waiters = Self.stop(&s, id: id, code: 128 + SIGKILL)
            s.containers[id] = nil
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: 128 + SIGKILL) }
    }

    public func state(id: String) async throws -> RuntimeState {
        try store.withLock { s in
            try Self.record(&s, .state(id: id), .state)
            guard let c = s.containers[id] else { throw RuntimeError.notFound(id: id) }
            return RuntimeState(
                id: id, status: c.status, pid: c.status == .stopped ? nil : c.pid, exitCode: c.exitCode, bundle: c.bundle)
        }
    }

    public func waitExit(id: String) async throws -> Int32 {
        let (token, exited) = try store.withLock { s -> (UInt64, Int32?) in
            try Self.record(&s, .waitExit(id: id), .waitExit)
            guard let c = s.containers[id] else { throw RuntimeError.notFound(id: id) }
            s.nextToken += 1
            return (s.nextToken, c.status == .stopped ? c.exitCode : nil)
        }
        if let exited { return exited }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                let immediate = store.withLock { s -> Result<Int32, any Error>? in
                    if s.cancelled.remove(token) != nil { return .failure(CancellationError()) }
                    guard let c = s.containers[id] else { return .failure(RuntimeError.notFound(id: id)) }
                    if c.status == .stopped, let code = c.exitCode { return .success(code) }
                    s.containers[id]?.waiters[token] = continuation
                    return nil
                }
                if let immediate { continuation.resume(with: immediate) }
            }
        } onCancel: {
            let waiter = store.withLock { s -> CheckedContinuation<Int32, any Error>? in
                for (cid, c) in s.containers {
                    if let w = c.waiters[token] {
                        s.containers[cid]?.waiters[token] = nil
                        return w
                    }
                }
                s.cancelled.insert(token)
                return nil
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    public func exec(id: String, process: ExecProcess) async throws -> ExecResult {
        let handler = try store.withLock { s in
            try Self.record(&s, .exec(id: id, args: process.args), .exec)
            guard let c = s.containers[id] else { throw RuntimeError.notFound(id: id) }
            guard !process.tty else {
                throw RuntimeError.unsupported("exec with a TTY", hint: "run the command without -t")
            }
            guard c.status == .running else { throw RuntimeError.notRunning(id: id) }
            return s.execHandler
        }
        _ = try builder.execProcess(process)
        return handler?(id, process) ?? ExecResult(exitCode: 0)
    }

    /// An interactive exec whose process echoes its input to stdout and exits 0 at the end of input.
    public func execInteractive(id: String, process: ExecProcess) async throws -> any InteractiveExec {
        try store.withLock { s in
            try Self.record(&s, .exec(id: id, args: process.args), .exec)
            guard let c = s.containers[id] else { throw RuntimeError.notFound(id: id) }
            guard c.status == .running else { throw RuntimeError.notRunning(id: id) }
        }
        _ = try builder.execProcess(process)
        return EchoExec()
    }

    public func logs(id: String) async throws -> [LogLine] {
        try store.withLock { s in
            try Self.record(&s, .logs(id: id), .logs)
            guard let c = s.containers[id] else { throw RuntimeError.notFound(id: id) }
            return c.logs
        }
    }

    public func attach(id: String) async throws -> AttachSocket {
        throw RuntimeError.unsupported("attach in the recording runtime", hint: "use ConmonRuncRuntime")
    }

    public func resize(id: String, height: Int, width: Int) async throws {
        try store.withLock { s in
            guard s.containers[id] != nil else { throw RuntimeError.notFound(id: id) }
        }
    }

    /// Records `call`, then throws the failure injected for `operation`, if any.
    private static func record(_ s: inout State, _ call: Call, _ operation: Operation) throws {
        s.calls.append(call)
        if let failure = s.failures.removeValue(forKey: operation) { throw failure }
    }

    /// Marks the container stopped with `code`; returns the waiters to resume outside the lock.
    private static func stop(_ s: inout State, id: String, code: Int32) -> [CheckedContinuation<Int32, any Error>] {
        guard let c = s.containers[id], c.status != .stopped else { return [] }
        s.containers[id]?.status = .stopped
        s.containers[id]?.exitCode = code
        s.containers[id]?.waiters = [:]
        return Array(c.waiters.values)
    }
}

/// The recording runtime's interactive process: echoes what it is given, exits 0 at end of input.
final class EchoExec: InteractiveExec {
    let output: AsyncStream<AttachSocket.Chunk>
    private let continuation: AsyncStream<AttachSocket.Chunk>.Continuation
    private let exited = Mutex<(done: Bool, waiters: [CheckedContinuation<Int32, Never>])>((false, []))

    init() { (output, continuation) = AsyncStream.makeStream() }

    func write(_ bytes: [UInt8]) async throws { continuation.yield((.stdout, bytes)) }

    func closeInput() {
        continuation.finish()
        let waiters = exited.withLock { e in
            e.done = true
            defer { e.waiters = [] }
            return e.waiters
        }
        for w in waiters { w.resume(returning: 0) }
    }

    func resize(height: Int, width: Int) {}

    func hangUp() { closeInput() }

    func wait() async -> Int32 {
        await withCheckedContinuation { c in
            let done = exited.withLock { e in
                if !e.done { e.waiters.append(c) }
                return e.done
            }
            if done { c.resume(returning: 0) }
        }
    }
}
