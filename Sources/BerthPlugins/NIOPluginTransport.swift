import NIOCore
import NIOHTTP1
import NIOPosix

/// The plugin transport over NIO: one HTTP/1.1 connection per call (unix socket or TCP), with
/// dockerd's headers (`Accept: application/vnd.docker.plugins.v1.2+json`, `Host:
/// plugin.moby.localhost` on unix sockets). Every call has a deadline, so a plugin that hangs
/// costs its caller that long and nothing else.
public struct NIOPluginTransport: PluginTransport {
    let group: any EventLoopGroup

    public init(group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) { self.group = group }

    public func post(_ address: PluginAddress, path: String, body: [UInt8], timeout: Duration) async throws(PluginTransportError) -> (status: Int, body: [UInt8]) {
        let amount = TimeAmount(timeout)
        let channel: any Channel
        do {
            let bootstrap = ClientBootstrap(group: group)
                .connectTimeout(amount)
                .channelInitializer { ch in
                    ch.eventLoop.makeCompletedFuture {
                        try ch.pipeline.syncOperations.addHTTPClientHandlers()
                        try ch.pipeline.syncOperations.addHandler(PluginReplyHandler())
                    }
                }
            switch address {
            case .unix(let socket): channel = try await bootstrap.connect(unixDomainSocketPath: socket).get()
            case .tcp(let host, let port): channel = try await bootstrap.connect(host: host, port: port).get()
            }
        } catch {
            throw .unreachable(String(describing: error))
        }
        let promise = channel.eventLoop.makePromise(of: PluginReply.self)
        let deadline = channel.eventLoop.scheduleTask(in: amount) {
            promise.fail(PluginTransportError.timeout)
            channel.close(promise: nil)
        }
        var head = HTTPRequestHead(version: .http1_1, method: .POST, uri: path)
        switch address {
        case .unix: head.headers.add(name: "Host", value: "plugin.moby.localhost")
        case .tcp(let host, let port): head.headers.add(name: "Host", value: "\(host):\(port)")
        }
        head.headers.add(name: "Accept", value: "application/vnd.docker.plugins.v1.2+json")
        head.headers.add(name: "User-Agent", value: "berthd")
        head.headers.add(name: "Content-Length", value: String(body.count))
        channel.writeAndFlush(PluginRequest(head: head, body: body, promise: promise), promise: nil)
        defer { channel.close(promise: nil) }
        do {
            let reply = try await promise.futureResult.get()
            deadline.cancel()
            return (reply.status, reply.body)
        } catch {
            deadline.cancel()
            if let e = error as? PluginTransportError { throw e }
            throw .unreachable(String(describing: error))
        }
    }
}

struct PluginRequest: Sendable {
    var head: HTTPRequestHead
    var body: [UInt8]
    var promise: EventLoopPromise<PluginReply>
}

struct PluginReply: Sendable {
    var status: Int
    var body: [UInt8]
}

/// Writes the one request of its connection and completes its promise with the whole reply.
final class PluginReplyHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPClientResponsePart
    typealias OutboundIn = PluginRequest
    typealias OutboundOut = HTTPClientRequestPart

    private var pending: EventLoopPromise<PluginReply>?
    private var status = 0
    private var body: [UInt8] = []
    private static let maxBody = 4 << 20

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        pending = request.promise
        context.write(wrapOutboundOut(.head(request.head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: request.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h): status = Int(h.status.code)
        case .body(var buf):
            body += buf.readBytes(length: buf.readableBytes) ?? []
            if body.count > Self.maxBody {
                pending.take()?.fail(PluginTransportError.unreachable("the reply is larger than 4 MiB"))
                context.close(promise: nil)
            }
        case .end: pending.take()?.succeed(PluginReply(status: status, body: body))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        pending.take()?.fail(PluginTransportError.unreachable("the plugin closed the connection before its reply"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        pending.take()?.fail(PluginTransportError.unreachable(String(describing: error)))
        context.close(promise: nil)
    }
}
