import Synchronization

/// One engine event, as `GET /events` reports it: what happened (`action`) to which object.
public struct EngineEvent: Sendable, Equatable {
    /// `container`, `network`, `image`.
    public var type: String
    /// `create`, `start`, `die`, `connect`, ...
    public var action: String
    /// The object's id (a network's or container's full id, an image reference).
    public var actorID: String
    /// Name, image, exit code, the container a network event concerns, labels...
    public var attributes: [String: String]
    /// Nanoseconds since the Unix epoch.
    public var timeNano: Int64

    public init(type: String, action: String, actorID: String, attributes: [String: String], timeNano: Int64) {
        self.type = type
        self.action = action
        self.actorID = actorID
        self.attributes = attributes
        self.timeNano = timeNano
    }
}

/// The engine's events: the latest ones kept for `since` queries, and live subscribers. Publishing
/// never blocks (a lock held for an append); a subscriber gets the past and the live stream with no
/// gap or overlap between them.
public final class EventLog: Sendable {
    private struct State {
        var recent: [EngineEvent] = []
        var subscribers: [UInt64: AsyncStream<EngineEvent>.Continuation] = [:]
        var nextSubscriber: UInt64 = 0
    }

    private let capacity: Int
    private let state = Mutex(State())

    /// Keeps the latest `capacity` events for `since` (dockerd keeps 256).
    public init(capacity: Int = 1024) { self.capacity = capacity }

    /// Records an event and hands it to every subscriber.
    public func publish(_ type: String, _ action: String, id: String, attributes: [String: String] = [:]) {
        let event = EngineEvent(type: type, action: action, actorID: id, attributes: attributes, timeNano: Timestamp.now().nanoseconds)
        let subscribers: [AsyncStream<EngineEvent>.Continuation] = state.withLock { s in
            s.recent.append(event)
            if s.recent.count > capacity { s.recent.removeFirst(s.recent.count - capacity) }
            return Array(s.subscribers.values)
        }
        for c in subscribers { c.yield(event) }
    }

    /// The kept events, then everything published from now on; the stream ends when its consumer
    /// stops iterating (it is then unsubscribed).
    public func subscribe() -> (past: [EngineEvent], live: AsyncStream<EngineEvent>) {
        let (stream, continuation) = AsyncStream<EngineEvent>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let (past, id): ([EngineEvent], UInt64) = state.withLock { s in
            let id = s.nextSubscriber
            s.nextSubscriber += 1
            s.subscribers[id] = continuation
            return (s.recent, id)
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return (past, stream)
    }

    /// The number of live subscribers (for tests).
    public var subscriberCount: Int { state.withLock { $0.subscribers.count } }
}
