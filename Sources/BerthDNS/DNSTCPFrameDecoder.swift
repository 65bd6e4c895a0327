import NIOCore

/// Splits a TCP byte stream into DNS messages framed by a 2-byte big-endian length (RFC 1035 §4.2.2).
struct DNSTCPFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = ByteBuffer

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let length = buffer.getInteger(at: buffer.readerIndex, as: UInt16.self),
              buffer.readableBytes >= 2 + Int(length) else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: 2)
        guard let frame = buffer.readSlice(length: Int(length)) else { return .needMoreData }
        context.fireChannelRead(Self.wrapInboundOut(frame))
        return .continue
    }

    /// Prefixes `message` with its length; nil if it is too large for a TCP frame.
    static func frame(_ message: ByteBuffer, allocator: ByteBufferAllocator) -> ByteBuffer? {
        guard message.readableBytes <= Int(UInt16.max) else { return nil }
        var out = allocator.buffer(capacity: message.readableBytes + 2)
        out.writeInteger(UInt16(message.readableBytes))
        out.writeImmutableBuffer(message)
        return out
    }
}
