import NIOCore

/// Sits first in each connection's pipeline, passing the HTTP encoder's bytes through, and lets
/// the server write raw bytes below the encoder once a request has hijacked the connection
/// (`101 UPGRADED` for exec and attach, as dockerd answers them).
final class RawWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Writes and flushes `buffer` straight to the socket. Call on the channel's event loop.
    func writeRaw(_ buffer: ByteBuffer, on loop: any EventLoop) -> EventLoopFuture<Void> {
        guard let context else { return loop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        return context.writeAndFlush(wrapOutboundOut(.byteBuffer(buffer)))
    }

    /// Writes raw bytes to `channel` through its `RawWriter`, from any context.
    static func write(_ bytes: [UInt8], to channel: any Channel) async throws {
        try await channel.eventLoop.flatSubmit {
            do {
                let writer = try channel.pipeline.syncOperations.handler(type: RawWriter.self)
                return writer.writeRaw(ByteBuffer(bytes: bytes), on: channel.eventLoop)
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }.get()
    }
}
