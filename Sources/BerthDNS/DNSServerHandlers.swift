import NIOCore

/// Answers UDP queries: local answers inline on the event loop, forwards in a task that writes back later.
final class DNSUDPServerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let processor: DNSQueryProcessor

    init(processor: DNSQueryProcessor) { self.processor = processor }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        let client = envelope.remoteAddress
        switch processor.process(envelope.data, transport: .udp, allocator: context.channel.allocator) {
        case let .reply(bytes):
            // Flushed once per read batch (channelReadComplete): NIO then sends the batch with one
            // sendmmsg, as it read it with one recvmmsg.
            context.write(Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: client, data: bytes)), promise: nil)
        case .drop:
            break
        case let .forward(query):
            let channel = context.channel
            let processor = processor
            let raw = envelope.data
            Task {
                guard case let .reply(bytes) = await processor.forward(raw, query: query, transport: .udp,
                                                                      allocator: channel.allocator) else { return }
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: bytes), promise: nil)
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A UDP socket error (e.g. ICMP unreachable for an earlier reply) must not stop the server.
    }
}

/// Answers framed TCP queries; several per connection, replies in completion order (RFC 7766 §6.2.1.1).
final class DNSTCPServerHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let processor: DNSQueryProcessor

    init(processor: DNSQueryProcessor) { self.processor = processor }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let raw = Self.unwrapInboundIn(data)
        switch processor.process(raw, transport: .tcp, allocator: context.channel.allocator) {
        case let .reply(bytes):
            if let framed = DNSTCPFrameDecoder.frame(bytes, allocator: context.channel.allocator) {
                context.writeAndFlush(Self.wrapOutboundOut(framed), promise: nil)
            }
        case .drop:
            break
        case let .forward(query):
            let channel = context.channel
            let processor = processor
            Task {
                guard case let .reply(bytes) = await processor.forward(raw, query: query, transport: .tcp,
                                                                      allocator: channel.allocator),
                      let framed = DNSTCPFrameDecoder.frame(bytes, allocator: channel.allocator) else { return }
                channel.writeAndFlush(framed, promise: nil)
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
