import BerthRuntime
import Synchronization

/// An attach to a container's stdio that may have to wait for the container to start: the docker
/// CLI's `run` and `start -a` attach first, then start. The monitor's attach socket is connected
/// between `runc create` and `runc start`, so not a byte of output is missed.
public final class AttachHandle: Sendable {
    private enum State {
        case waiting([CheckedContinuation<AttachSocket?, Never>])
        case resolved(AttachSocket?)
    }

    private let state: Mutex<State>

    init(socket: AttachSocket) { state = Mutex(.resolved(socket)) }
    init() { state = Mutex(.waiting([])) }

    /// The connected socket, once the container starts; nil when it never will (start failed,
    /// container removed).
    public func socket() async -> AttachSocket? {
        await withCheckedContinuation { (c: CheckedContinuation<AttachSocket?, Never>) in
            let ready: AttachSocket?? = state.withLock { s in
                switch s {
                case let .waiting(list):
                    s = .waiting(list + [c])
                    return nil
                case let .resolved(socket):
                    return .some(socket)
                }
            }
            if let ready { c.resume(returning: ready) }
        }
    }

    /// Hands the socket (or nil) to whoever waits, now or later.
    func resolve(_ socket: AttachSocket?) {
        let waiters: [CheckedContinuation<AttachSocket?, Never>] = state.withLock { s in
            guard case let .waiting(list) = s else { return [] }
            s = .resolved(socket)
            return list
        }
        for w in waiters { w.resume(returning: socket) }
    }
}
