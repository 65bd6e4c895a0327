import NIOCore
import NIOHTTP1

/// Writes one `EtcdRequest` at a time and completes its promise with the whole reply.
final class EtcdUnaryHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = EtcdRequest
    typealias OutboundOut = HTTPClientRequestPart

    private let storeName: String
    private var pending: EventLoopPromise<EtcdReply>?
    private var status = 0
    private var keepAlive = true
    private var body: [UInt8] = []

    init(storeName: String) { self.storeName = storeName }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let old = pending { old.fail(ClusterStoreError.malformed("request sent before the previous reply")) }
        pending = request.promise
        status = 0
        body = []
        let payload = Array(request.body.rendered().utf8)
        var head = request.head
        head.headers.replaceOrAdd(name: "Content-Length", value: String(payload.count))
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: payload)))), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            status = Int(h.status.code)
            keepAlive = h.isKeepAlive
        case .body(var buf):
            body += buf.readBytes(length: buf.readableBytes) ?? []
        case .end:
            let reply = EtcdReply(status: status, keepAlive: keepAlive, body: body)
            body = []
            pending.take()?.succeed(reply)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending.take()?.fail(ClusterStoreError.unavailable(store: storeName, reason: "the connection closed before the reply"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        pending.take()?.fail(ClusterStoreError.unavailable(store: storeName, reason: String(describing: error)))
        context.close(promise: nil)
    }
}

/// Splits a long reply into lines for a watch; reports its end once.
final class EtcdStreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private let storeName: String
    private let onLine: @Sendable ([UInt8]) -> Void
    private let onEnd: @Sendable (ClusterStoreError?) -> Void
    private var status = 0
    private var carry: [UInt8] = []
    private var ended = false

    init(storeName: String, onLine: @escaping @Sendable ([UInt8]) -> Void, onEnd: @escaping @Sendable (ClusterStoreError?) -> Void) {
        self.storeName = storeName
        self.onLine = onLine
        self.onEnd = onEnd
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            status = Int(h.status.code)
        case .body(var buf):
            carry += buf.readBytes(length: buf.readableBytes) ?? []
            guard status == 200 else { return }
            while let nl = carry.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(carry[..<nl])
                carry.removeSubrange(...nl)
                if !line.isEmpty { onLine(line) }
            }
        case .end:
            if status != 200 {
                finish(.server(status: status, message: EtcdWire.errorMessage(carry)))
            } else {
                if !carry.isEmpty { onLine(carry) }
                finish(.unavailable(store: storeName, reason: "the watch stream ended"))
            }
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.unavailable(store: storeName, reason: "the watch connection closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(.unavailable(store: storeName, reason: String(describing: error)))
        context.close(promise: nil)
    }

    private func finish(_ error: ClusterStoreError?) {
        guard !ended else { return }
        ended = true
        onEnd(error)
    }
}
