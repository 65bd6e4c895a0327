import Synchronization

/// An in-process `ClusterStore` with etcd's semantics where Berth relies on them: one revision
/// counter, create and mod revisions, atomic transactions, leases whose keys vanish when they
/// expire (on a clock the test moves with `advance(seconds:)`), and watches that replay history
/// after a revision and then follow every change. Several "hosts" in one unit test share one.
public final class MemoryClusterStore: ClusterStore {
    private struct Watcher {
        var prefix: String
        var continuation: AsyncThrowingStream<[ClusterEvent], any Error>.Continuation
    }

    private struct State {
        var revision: Int64 = 1
        var kvs: [String: ClusterKV] = [:]
        var history: [(revision: Int64, event: ClusterEvent)] = []
        var leases: [Int64: (ttl: Int, expires: Double)] = [:]
        var nextLease: Int64 = 0x1000
        var now: Double = 0
        var watchers: [Int: Watcher] = [:]
        var nextWatcher = 0
        var down = false
    }

    private let state = Mutex(State())

    public init() {}

    /// Every call throws `.unavailable` while `down` (the store "lost"); watches end.
    public func setDown(_ down: Bool) {
        let ended = state.withLock { s -> [Watcher] in
            s.down = down
            guard down else { return [] }
            defer { s.watchers = [:] }
            return Array(s.watchers.values)
        }
        for w in ended { w.continuation.finish(throwing: ClusterStoreError.unavailable(store: "memory", reason: "down")) }
    }

    /// Moves the lease clock on, expiring leases whose time ran out (their keys are deleted).
    public func advance(seconds: Double) {
        state.withLock { s in
            s.now += seconds
            for id in s.leases.filter({ $0.value.expires <= s.now }).map(\.key).sorted() {
                Self.deliver(Self.dropLease(id, &s), to: s.watchers)
            }
        }
    }

    /// The number of keys stored, for tests that check nothing was left.
    public var count: Int { state.withLock { $0.kvs.count } }

    public func range(_ key: String, prefix: Bool) async throws(ClusterStoreError) -> ClusterRange {
        try state.withLock { s throws(ClusterStoreError) in
            guard !s.down else { throw Self.unavailable }
            let kvs = prefix ? s.kvs.values.filter { $0.key.hasPrefix(key) }.sorted { $0.key < $1.key } : s.kvs[key].map { [$0] } ?? []
            return ClusterRange(kvs: kvs, revision: s.revision)
        }
    }

    public func txn(_ txn: ClusterTxn) async throws(ClusterStoreError) -> ClusterTxnResult {
        try state.withLock { s throws(ClusterStoreError) in
            guard !s.down else { throw Self.unavailable }
            let holds = txn.compare.allSatisfy { c in
                switch c {
                case .absent(let k): s.kvs[k] == nil
                case .modRevision(let k, let r): s.kvs[k]?.modRevision == r
                case .value(let k, let v): s.kvs[k]?.value == v
                }
            }
            let ops = holds ? txn.success : txn.failure
            let writes = ops.contains { if case .get = $0 { false } else { true } }
            let rev = writes ? s.revision + 1 : s.revision
            var ranges: [[ClusterKV]] = []
            var events: [ClusterEvent] = []
            for op in ops {
                switch op {
                case .get(let k): ranges.append(s.kvs[k].map { [$0] } ?? [])
                case .put(let k, let v, let lease):
                    guard lease == 0 || s.leases[lease] != nil else { throw .server(status: 400, message: "etcdserver: requested lease not found") }
                    let old = s.kvs[k]
                    let kv = ClusterKV(key: k, value: v, createRevision: old?.createRevision ?? rev, modRevision: rev, lease: lease)
                    s.kvs[k] = kv
                    events.append(ClusterEvent(kind: .put, kv: kv, previous: old))
                case .delete(let k):
                    if let old = s.kvs.removeValue(forKey: k) { events.append(Self.deletion(old, rev)) }
                case .deletePrefix(let p):
                    for k in s.kvs.keys.filter({ $0.hasPrefix(p) }).sorted() {
                        if let old = s.kvs.removeValue(forKey: k) { events.append(Self.deletion(old, rev)) }
                    }
                }
            }
            s.revision = rev
            s.history += events.map { (rev, $0) }
            // Delivered under the lock, so every watcher sees changes in revision order.
            Self.deliver(events, to: s.watchers)
            return ClusterTxnResult(succeeded: holds, revision: rev, ranges: ranges)
        }
    }

    public func grantLease(ttl: Int) async throws(ClusterStoreError) -> ClusterLease {
        try state.withLock { s throws(ClusterStoreError) in
            guard !s.down else { throw Self.unavailable }
            s.nextLease += 1
            s.leases[s.nextLease] = (ttl, s.now + Double(ttl))
            return ClusterLease(id: s.nextLease, ttl: ttl)
        }
    }

    public func keepAlive(_ lease: Int64) async throws(ClusterStoreError) -> Int {
        try state.withLock { s throws(ClusterStoreError) in
            guard !s.down else { throw Self.unavailable }
            guard let l = s.leases[lease] else { return 0 }
            s.leases[lease] = (l.ttl, s.now + Double(l.ttl))
            return l.ttl
        }
    }

    public func revokeLease(_ lease: Int64) async throws(ClusterStoreError) {
        try state.withLock { s throws(ClusterStoreError) in
            guard !s.down else { throw Self.unavailable }
            Self.deliver(Self.dropLease(lease, &s), to: s.watchers)
        }
    }

    public func watch(prefix: String, after revision: Int64) -> AsyncThrowingStream<[ClusterEvent], any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [ClusterEvent].self, throwing: (any Error).self)
        let id: Int? = state.withLock { s in
            guard !s.down else { return nil }
            let replay = s.history.filter { $0.revision > revision && $0.event.kv.key.hasPrefix(prefix) }.map(\.event)
            if !replay.isEmpty { continuation.yield(replay) }
            s.nextWatcher += 1
            s.watchers[s.nextWatcher] = Watcher(prefix: prefix, continuation: continuation)
            return s.nextWatcher
        }
        guard let id else {
            continuation.finish(throwing: Self.unavailable)
            return stream
        }
        continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) } }
        return stream
    }

    private static let unavailable = ClusterStoreError.unavailable(store: "memory", reason: "down")

    private static func deletion(_ old: ClusterKV, _ rev: Int64) -> ClusterEvent {
        ClusterEvent(kind: .delete, kv: ClusterKV(key: old.key, value: [], modRevision: rev), previous: old)
    }

    private static func dropLease(_ id: Int64, _ s: inout State) -> [ClusterEvent] {
        guard s.leases.removeValue(forKey: id) != nil else { return [] }
        let keys = s.kvs.values.filter { $0.lease == id }.map(\.key).sorted()
        guard !keys.isEmpty else { return [] }
        s.revision += 1
        let events = keys.compactMap { k in s.kvs.removeValue(forKey: k).map { deletion($0, s.revision) } }
        s.history += events.map { (s.revision, $0) }
        return events
    }

    private static func deliver(_ events: [ClusterEvent], to watchers: [Int: Watcher]) {
        guard !events.isEmpty else { return }
        for w in watchers.values {
            let mine = events.filter { $0.kv.key.hasPrefix(w.prefix) }
            if !mine.isEmpty { w.continuation.yield(mine) }
        }
    }
}
