import NIOCore
import Synchronization

/// Open API connections and whether each is between requests, so a graceful shutdown can close
/// idle keep-alive connections at once (a docker SDK client keeps one open indefinitely) and
/// busy ones right after their response, instead of waiting for clients to hang up.
final class ConnectionRegistry: Sendable {
    private struct State {
        var shuttingDown = false
        var idle: [ObjectIdentifier: any Channel] = [:]
    }

    private let state = Mutex(State())

    /// Registers a new, idle connection. Returns false when shutdown has begun (close it).
    func opened(_ channel: any Channel) -> Bool { idle(channel) }

    /// A request has started on the connection.
    func busy(_ channel: any Channel) {
        state.withLock { _ = $0.idle.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// The connection waits for its next request. Returns false when shutdown has begun (close it).
    func idle(_ channel: any Channel) -> Bool {
        state.withLock { s in
            guard !s.shuttingDown else { return false }
            s.idle[ObjectIdentifier(channel)] = channel
            return true
        }
    }

    func closed(_ channel: any Channel) {
        state.withLock { _ = $0.idle.removeValue(forKey: ObjectIdentifier(channel)) }
    }

    /// Begins shutdown: idle connections are closed now, busy ones after their response.
    func shutdown() {
        let idle = state.withLock { s in
            s.shuttingDown = true
            defer { s.idle.removeAll() }
            return Array(s.idle.values)
        }
        for c in idle { c.close(promise: nil) }
    }
}
