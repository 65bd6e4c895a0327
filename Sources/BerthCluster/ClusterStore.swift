/// The cluster store seam: the few key/value operations multi-host networking needs from a
/// distributed store. `EtcdClusterStore` speaks it to etcd v3; `MemoryClusterStore` is the
/// in-process double the unit tests use.
///
/// Keys are strings (Berth's layout is ASCII paths under a prefix); values are bytes. Every
/// write goes through `txn`, so "create if absent", "delete if unchanged" and "several keys at
/// once" are one round trip each and atomic, as etcd's transactions are.
public protocol ClusterStore: Sendable {
    /// The keys equal to `key`, or starting with it when `prefix`, with the store's revision.
    func range(_ key: String, prefix: Bool) async throws(ClusterStoreError) -> ClusterRange

    /// Runs `txn` atomically: its success operations when every comparison holds, else its
    /// failure operations.
    func txn(_ txn: ClusterTxn) async throws(ClusterStoreError) -> ClusterTxnResult

    /// A new lease of `ttl` seconds; keys written with it are deleted when it expires.
    func grantLease(ttl: Int) async throws(ClusterStoreError) -> ClusterLease

    /// Renews `lease` and returns the seconds it has left: 0 means it is gone (expired or revoked).
    func keepAlive(_ lease: Int64) async throws(ClusterStoreError) -> Int

    /// Ends `lease` at once, deleting every key written with it.
    func revokeLease(_ lease: Int64) async throws(ClusterStoreError)

    /// Every change under `prefix` after `revision`, in order, batched as the store delivers
    /// them. The stream ends with `ClusterStoreError.compacted` when the store has forgotten
    /// that revision (re-read with `range` and watch again from its revision), and with
    /// `.unavailable` when the connection is lost.
    func watch(prefix: String, after revision: Int64) -> AsyncThrowingStream<[ClusterEvent], any Error>
}

extension ClusterStore {
    /// The value under `key`, if any.
    public func get(_ key: String) async throws(ClusterStoreError) -> ClusterKV? {
        try await range(key, prefix: false).kvs.first
    }

    /// Writes `key` unconditionally.
    @discardableResult
    public func put(_ key: String, _ value: [UInt8], lease: Int64 = 0) async throws(ClusterStoreError) -> Int64 {
        try await txn(ClusterTxn(success: [.put(key, value, lease: lease)])).revision
    }

    /// Writes `key` only where it is absent; returns nil on success, else what holds the key.
    public func create(_ key: String, _ value: [UInt8], lease: Int64 = 0) async throws(ClusterStoreError) -> ClusterKV? {
        let r = try await txn(ClusterTxn(compare: [.absent(key)], success: [.put(key, value, lease: lease)], failure: [.get(key)]))
        return r.succeeded ? nil : r.ranges.first?.first
    }

    /// Deletes `key`, or only while it still has `modRevision` when given; true when it held.
    @discardableResult
    public func delete(_ key: String, ifModRevision modRevision: Int64? = nil) async throws(ClusterStoreError) -> Bool {
        let compare: [ClusterTxn.Compare] = modRevision.map { [.modRevision(key, $0)] } ?? []
        return try await txn(ClusterTxn(compare: compare, success: [.delete(key)])).succeeded
    }
}

/// One key as the store holds it.
public struct ClusterKV: Sendable, Equatable {
    public var key: String
    public var value: [UInt8]
    /// The revision that created the key (0 for a key that does not exist).
    public var createRevision: Int64
    /// The revision of its last change.
    public var modRevision: Int64
    /// The lease it lives on, 0 when none.
    public var lease: Int64

    public init(key: String, value: [UInt8], createRevision: Int64 = 0, modRevision: Int64 = 0, lease: Int64 = 0) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.lease = lease
    }

    /// The value as UTF-8 text.
    public var text: String { String(decoding: value, as: UTF8.self) }
}

/// The keys a `range` found and the store revision it read at.
public struct ClusterRange: Sendable, Equatable {
    public var kvs: [ClusterKV]
    public var revision: Int64

    public init(kvs: [ClusterKV], revision: Int64) {
        self.kvs = kvs
        self.revision = revision
    }
}

/// A lease granted by the store.
public struct ClusterLease: Sendable, Equatable {
    public var id: Int64
    public var ttl: Int

    public init(id: Int64, ttl: Int) {
        self.id = id
        self.ttl = ttl
    }
}

/// One change seen by a watch.
public struct ClusterEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case put, delete }

    public var kind: Kind
    /// After a put, the new key; after a delete, the key with its deletion revision (no value).
    public var kv: ClusterKV
    /// The key as it was before the change, when the store kept it.
    public var previous: ClusterKV?

    public init(kind: Kind, kv: ClusterKV, previous: ClusterKV? = nil) {
        self.kind = kind
        self.kv = kv
        self.previous = previous
    }
}
