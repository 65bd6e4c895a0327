import BerthAPI
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// HTTP/1.1 to etcd's JSON gateway over NIO: unary POSTs on kept-alive connections (a few idle
/// ones are pooled), and streaming POSTs whose reply lines arrive as they come (watches).
///
/// Every unary call has a deadline; an endpoint that refuses or times out makes the next call
/// try the next endpoint of the list, so a cluster of several etcd members survives one's loss.
final class EtcdHTTPClient: Sendable {
    struct Endpoint: Sendable, Equatable, CustomStringConvertible {
        var host: String
        var port: Int
        var description: String { "\(host):\(port)" }
    }

    let endpoints: [Endpoint]
    let group: any EventLoopGroup
    let timeout: TimeAmount
    /// How the store is named in errors (`etcd://…`).
    let storeName: String
    private let idle = Mutex<[any Channel]>([])
    private let preferred = Mutex<Int>(0)
    private static let maxIdle = 4

    init(endpoints: [Endpoint], group: any EventLoopGroup, timeout: TimeAmount, storeName: String) {
        self.endpoints = endpoints
        self.group = group
        self.timeout = timeout
        self.storeName = storeName
    }

    deinit {
        for c in idle.withLock({ $0 }) { c.close(promise: nil) }
    }

    /// POSTs `body` to `path` and returns the reply's body; a status other than 200 throws
    /// `.server` with etcd's message.
    func post(_ path: String, _ body: JSONValue, operation: String) async throws(ClusterStoreError) -> [UInt8] {
        let channel = try await checkOut()
        let promise = channel.eventLoop.makePromise(of: EtcdReply.self)
        let deadline = channel.eventLoop.scheduleTask(in: timeout) {
            promise.fail(ClusterStoreError.timeout(store: self.storeName, operation: operation, seconds: Double(self.timeout.nanoseconds) / 1e9))
            channel.close(promise: nil)
        }
        channel.writeAndFlush(EtcdRequest(head: head(path), body: body, promise: promise), promise: nil)
        let reply: EtcdReply
        do {
            reply = try await promise.futureResult.get()
            deadline.cancel()
        } catch {
            deadline.cancel()
            channel.close(promise: nil)
            if let e = error as? ClusterStoreError { throw e }
            throw .unavailable(store: storeName, reason: String(describing: error))
        }
        if reply.keepAlive { checkIn(channel) } else { channel.close(promise: nil) }
        guard reply.status == 200 else { throw .server(status: reply.status, message: EtcdWire.errorMessage(reply.body)) }
        return reply.body
    }

    /// POSTs `body` to `path` and hands each line of the (long) reply to `onLine`; `onEnd` runs
    /// once when the reply ends or the connection is lost. Close the returned channel to stop.
    func stream(_ path: String, _ body: JSONValue, onLine: @escaping @Sendable ([UInt8]) -> Void,
                onEnd: @escaping @Sendable (ClusterStoreError?) -> Void) async throws(ClusterStoreError) -> any Channel {
        let handler = { @Sendable () -> any ChannelHandler in EtcdStreamHandler(storeName: self.storeName, onLine: onLine, onEnd: onEnd) }
        let channel = try await connect(handler)
        let payload = Array(body.rendered().utf8)
        var h = head(path)
        h.headers.replaceOrAdd(name: "Content-Length", value: String(payload.count))
        channel.write(HTTPClientRequestPart.head(h), promise: nil)
        channel.write(HTTPClientRequestPart.body(.byteBuffer(ByteBuffer(bytes: payload))), promise: nil)
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return channel
    }

    private func head(_ path: String) -> HTTPRequestHead {
        var h = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        h.headers.add(name: "Host", value: endpoints[preferred.withLock { $0 } % endpoints.count].description)
        h.headers.add(name: "Content-Type", value: "application/json")
        h.headers.add(name: "User-Agent", value: "berthd")
        return h
    }

    private func checkOut() async throws(ClusterStoreError) -> any Channel {
        while let c = idle.withLock({ $0.popLast() }) {
            if c.isActive { return c }
            c.close(promise: nil)
        }
        return try await connect { EtcdUnaryHandler(storeName: self.storeName) }
    }

    private func checkIn(_ channel: any Channel) {
        let kept = channel.isActive && idle.withLock { pool in
            guard pool.count < Self.maxIdle else { return false }
            pool.append(channel)
            return true
        }
        if !kept { channel.close(promise: nil) }
    }

    /// A connection to the first endpoint that answers, starting with the last one that did.
    private func connect(_ makeHandler: @escaping @Sendable () -> any ChannelHandler) async throws(ClusterStoreError) -> any Channel {
        let start = preferred.withLock { $0 }
        var reasons: [String] = []
        for step in 0..<endpoints.count {
            let index = (start + step) % endpoints.count
            let ep = endpoints[index]
            do {
                let channel = try await ClientBootstrap(group: group)
                    .connectTimeout(timeout)
                    .channelOption(.socketOption(.tcp_nodelay), value: 1)
                    .channelInitializer { ch in
                        ch.eventLoop.makeCompletedFuture {
                            try ch.pipeline.syncOperations.addHTTPClientHandlers()
                            try ch.pipeline.syncOperations.addHandler(makeHandler())
                        }
                    }
                    .connect(host: ep.host, port: ep.port).get()
                preferred.withLock { $0 = index }
                return channel
            } catch {
                reasons.append("\(ep): \(error)")
            }
        }
        throw .unavailable(store: storeName, reason: reasons.joined(separator: "; "))
    }
}

/// One unary request as it goes down the pipeline.
struct EtcdRequest: Sendable {
    var head: HTTPRequestHead
    var body: JSONValue
    var promise: EventLoopPromise<EtcdReply>
}

/// One whole reply.
struct EtcdReply: Sendable {
    var status: Int
    var keepAlive: Bool
    var body: [UInt8]
}
