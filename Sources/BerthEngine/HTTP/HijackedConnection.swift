import NIOCore
import NIOHTTP1

/// A connection after `101 UPGRADED`: raw bytes both ways, no more HTTP (dockerd's hijack for
/// attach and exec).
public struct HijackedConnection: Sendable {
    /// What the client sends, as it arrives; finishes when the client closes the connection.
    public let inbound: AsyncStream<[UInt8]>
    let channel: any Channel

    /// Writes raw bytes to the client.
    public func write(_ bytes: [UInt8]) async throws {
        try await RawWriter.write(bytes, to: channel)
    }

    /// Closes the connection; `inbound` finishes.
    public func close() {
        channel.close(promise: nil)
    }

    /// Returns once the connection is closed (the client left entirely, not just half-closed), or
    /// when the calling task is cancelled.
    public func waitClosed() async {
        let (closed, continuation) = AsyncStream<Never>.makeStream()
        channel.closeFuture.whenComplete { _ in continuation.finish() }
        for await _ in closed {}
    }

    /// Stops HTTP processing on `channel` and returns the raw connection. Bytes the request
    /// decoder already holds (a client may send stdin right after the request head: NIO's decoder
    /// stops parsing at an upgrade request's head) are forwarded, not dropped.
    static func take(_ channel: any Channel) async throws -> HijackedConnection {
        let (stream, continuation) = AsyncStream<[UInt8]>.makeStream()
        try await channel.eventLoop.submit {
            let sync = channel.pipeline.syncOperations
            let decoder = try sync.context(handlerType: ByteToMessageHandler<HTTPRequestDecoder>.self)
            try sync.addHandler(RawReader(continuation), position: .after(decoder.handler))
            // The decoder forwards what it buffered to the reader as it is removed (not necessarily at
            // once): a half-close seen before the hijack ends the input only after those bytes.
            let recorder = NIOLoopBound(try? sync.handler(type: InputClosedRecorder.self), eventLoop: channel.eventLoop)
            let removed = channel.eventLoop.makePromise(of: Void.self)
            removed.futureResult.whenComplete { _ in
                if recorder.value?.inputClosed == true { continuation.finish() }
                recorder.value?.hijacked = true
                recorder.value?.headerArrived()
            }
            sync.removeHandler(context: decoder, promise: removed)
            for remove in [
                { try sync.context(handlerType: HTTPResponseEncoder.self) },
                { try sync.context(handlerType: RequestProgress.self) },
                { try sync.context(handlerType: HTTPServerPipelineHandler.self) },
                { try sync.context(handlerType: NIOHTTPResponseHeadersValidator.self) },
                { try sync.context(handlerType: HTTPServerProtocolErrorHandler.self) },
            ] as [() throws -> ChannelHandlerContext] {
                if let context = try? remove() { sync.removeHandler(context: context, promise: nil) }
            }
            // The pipeline handler holds back reads while a response is pending; ask again.
            channel.read()
        }.get()
        return HijackedConnection(inbound: stream, channel: channel)
    }
}

/// Takes every inbound byte of a hijacked connection (so nothing reaches the HTTP-typed async
/// channel behind it) and hands it to the hijack's owner.
final class RawReader: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    private let continuation: AsyncStream<[UInt8]>.Continuation

    init(_ continuation: AsyncStream<[UInt8]>.Continuation) { self.continuation = continuation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        continuation.yield(Array(buffer.readableBytesView))
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish()
        context.fireChannelInactive()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A half-closed client (docker closes its write side when its stdin ends) has nothing
        // more to say; treat it as the end of the input.
        if event is ChannelEvent, case .inputClosed = event as? ChannelEvent { continuation.finish() }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish()
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) { continuation.finish() }
}

/// Holds back the client's half-close until a hijack takes the connection: the docker CLI closes
/// its write side as soon as its piped stdin ends, possibly before `take` runs, and the HTTP
/// decoder would otherwise flush the stdin bytes it buffered into the HTTP handlers, where they
/// are lost. HTTP clients that half-close are served until they close for good.
/// A client that half-closes in the middle of a request body will never finish it: it gets
/// dockerd's 400 `unexpected EOF` and the connection closes, instead of waiting forever.
final class InputClosedRecorder: ChannelInboundHandler {
    typealias InboundIn = NIOAny
    private(set) var inputClosed = false
    /// Set by `take`: from then on the event goes through to the raw reader.
    var hijacked = false
    /// Whether a request's head came and its end did not (set by `RequestProgress`).
    var inRequest = false {
        didSet { if inRequest { headerDeadline?.cancel(); headerDeadline = nil } }
    }
    /// How long a request's head may take from its first byte (dockerd's ReadHeaderTimeout); a
    /// client that trickles it is disconnected.
    let headerTimeout: TimeAmount
    private var headerDeadline: Scheduled<Void>?

    init(headerTimeout: TimeAmount = .minutes(5)) { self.headerTimeout = headerTimeout }

    func channelActive(context: ChannelHandlerContext) {
        armHeaderDeadline(context)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !hijacked && !inRequest && headerDeadline == nil { armHeaderDeadline(context) }
        context.fireChannelRead(data)
    }

    /// A request head completed (`RequestProgress`) or the connection was hijacked.
    func headerArrived() {
        headerDeadline?.cancel()
        headerDeadline = nil
    }

    private func armHeaderDeadline(_ context: ChannelHandlerContext) {
        let channel = context.channel
        headerDeadline = context.eventLoop.scheduleTask(in: headerTimeout) { channel.close(promise: nil) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let e = event as? ChannelEvent, case .inputClosed = e, !hijacked {
            inputClosed = true
            if inRequest {
                let body = #"{"message":"unexpected EOF"}"# + "\n"
                let text = "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n" + body
                let channel = context.channel
                context.writeAndFlush(NIOAny(channel.allocator.buffer(string: text))).whenComplete { _ in channel.close(promise: nil) }
            }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }
}

/// Tells `InputClosedRecorder` whether a request is half read (after the HTTP decoder).
final class RequestProgress: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    private let recorder: InputClosedRecorder

    init(_ recorder: InputClosedRecorder) { self.recorder = recorder }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        // An upgrade request (attach, exec start) has no end: its body is the hijacked stream.
        case .head(let h):
            recorder.headerArrived()
            recorder.inRequest = !h.headers.contains(name: "Upgrade")
        case .end:
            recorder.inRequest = false
            recorder.headerArrived()
        case .body: break
        }
        context.fireChannelRead(data)
    }
}
