import BerthRuntime
import Synchronization

/// An attach to a container's stdio that may have to wait for the container to start: the docker
/// CLI's `run` and `start -a` attach first, then start. The monitor's attach socket is connected
/// between `runc create` and `runc start`, so not a byte of output is missed.
public final class AttachHandle: Sendable {
    private struct State {
        var waiters: [Int: CheckedContinuation<AttachSocket?, Never>] = [:]
        var nextWaiter = 0
        /// Set once resolved: the socket (nil: the container will not start).
        var resolved: AttachSocket??
    }

    private let state: Mutex<State>

    init(socket: AttachSocket) { state = Mutex(State(resolved: .some(socket))) }
    init() { state = Mutex(State()) }

    /// The connected socket, once the container starts; nil when it never will (start failed,
    /// container removed) or when the waiting task is cancelled (the client left, shutdown).
    public func socket() async -> AttachSocket? {
        let id: Int = state.withLock { s in
            defer { s.nextWaiter += 1 }
            return s.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<AttachSocket?, Never>) in
                let ready: AttachSocket?? = state.withLock { s in
                    if let resolved = s.resolved { return .some(resolved) }
                    if Task.isCancelled { return .some(nil) }
                    s.waiters[id] = c
                    return nil
                }
                if let ready { c.resume(returning: ready) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }

    /// Hands the socket (or nil) to whoever waits, now or later. A socket nobody is waiting for any
    /// more is closed.
    func resolve(_ socket: AttachSocket?) {
        let waiters: [CheckedContinuation<AttachSocket?, Never>] = state.withLock { s in
            guard s.resolved == nil else { return [] }
            s.resolved = .some(socket)
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in waiters { w.resume(returning: socket) }
    }
}
