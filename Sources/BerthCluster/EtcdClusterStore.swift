import NIOCore
import Synchronization

/// `ClusterStore` on etcd v3 through its JSON gateway (`/v3/…`, etcd 3.4 and later), over
/// Berth's own small HTTP/1.1 client: no gRPC stack to build, about a millisecond an operation
/// on a LAN. Keys are stored under the address's prefix, which callers never see.
public final class EtcdClusterStore: ClusterStore {
    public let address: ClusterStoreAddress
    private let http: EtcdHTTPClient
    private let root: String

    /// A store on `address`, connecting through `group`; every call gives up after `timeout`
    /// seconds. Nothing is contacted until the first call.
    public init(address: ClusterStoreAddress, group: any EventLoopGroup, timeout: Double = 5) {
        self.address = address
        self.root = address.prefix + "/"
        self.http = EtcdHTTPClient(endpoints: address.members.map { .init(host: $0.host, port: $0.port) }, group: group,
                                   timeout: .milliseconds(Int64(timeout * 1000)), storeName: address.description)
    }

    public func range(_ key: String, prefix: Bool) async throws(ClusterStoreError) -> ClusterRange {
        var r = try EtcdWire.parseRange(try await http.post("/v3/kv/range", EtcdWire.range(root + key, prefix: prefix), operation: "range"))
        r.kvs = r.kvs.map(strip)
        return r
    }

    public func txn(_ txn: ClusterTxn) async throws(ClusterStoreError) -> ClusterTxnResult {
        let full = ClusterTxn(compare: txn.compare.map(prefixed), success: txn.success.map(prefixed), failure: txn.failure.map(prefixed))
        var r = try EtcdWire.parseTxn(try await http.post("/v3/kv/txn", EtcdWire.txn(full), operation: "txn"))
        r.ranges = r.ranges.map { $0.map(strip) }
        return r
    }

    public func grantLease(ttl: Int) async throws(ClusterStoreError) -> ClusterLease {
        try EtcdWire.parseGrant(try await http.post("/v3/lease/grant", EtcdWire.grant(ttl: ttl), operation: "lease grant"))
    }

    public func keepAlive(_ lease: Int64) async throws(ClusterStoreError) -> Int {
        try EtcdWire.parseKeepAlive(try await http.post("/v3/lease/keepalive", EtcdWire.lease(lease), operation: "lease keepalive"))
    }

    public func revokeLease(_ lease: Int64) async throws(ClusterStoreError) {
        do {
            _ = try await http.post("/v3/lease/revoke", EtcdWire.lease(lease), operation: "lease revoke")
        } catch .server(_, let message) where message.contains("lease not found") {
            return  // already gone: what revoking wanted
        }
    }

    public func watch(prefix: String, after revision: Int64) -> AsyncThrowingStream<[ClusterEvent], any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: [ClusterEvent].self, throwing: (any Error).self)
        let body = EtcdWire.watch(prefix: root + prefix, after: revision)
        let strip = self.strip
        let link = WatchLink()
        continuation.onTermination = { _ in link.close() }
        Task {
            do {
                let channel = try await http.stream("/v3/watch", body, onLine: { line in
                    do {
                        let events = try EtcdWire.parseWatchLine(line)
                        if !events.isEmpty {
                            continuation.yield(events.map { ClusterEvent(kind: $0.kind, kv: strip($0.kv), previous: $0.previous.map(strip)) })
                        }
                    } catch {
                        continuation.finish(throwing: error)
                    }
                }, onEnd: { error in continuation.finish(throwing: error) })
                link.attach(channel)
            } catch {
                continuation.finish(throwing: error)
            }
        }
        return stream
    }

    private func strip(_ kv: ClusterKV) -> ClusterKV {
        var kv = kv
        if kv.key.hasPrefix(root) { kv.key.removeFirst(root.count) }
        return kv
    }

    private func prefixed(_ c: ClusterTxn.Compare) -> ClusterTxn.Compare {
        switch c {
        case .absent(let k): .absent(root + k)
        case .modRevision(let k, let r): .modRevision(root + k, r)
        case .value(let k, let v): .value(root + k, v)
        }
    }

    private func prefixed(_ o: ClusterTxn.Op) -> ClusterTxn.Op {
        switch o {
        case .put(let k, let v, let l): .put(root + k, v, lease: l)
        case .delete(let k): .delete(root + k)
        case .deletePrefix(let p): .deletePrefix(root + p)
        case .get(let k): .get(root + k)
        }
    }
}

/// The connection of one watch, closed when its stream ends, also if that happens before the
/// connection is made.
private final class WatchLink: Sendable {
    private let state = Mutex<(closed: Bool, channel: (any Channel)?)>((false, nil))

    func attach(_ channel: any Channel) {
        let closed = state.withLock { s in
            if !s.closed { s.channel = channel }
            return s.closed
        }
        if closed { channel.close(promise: nil) }
    }

    func close() {
        let channel = state.withLock { s in
            s.closed = true
            return s.channel.take()
        }
        channel?.close(promise: nil)
    }
}
