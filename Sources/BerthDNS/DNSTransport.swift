import NIOCore
import NIOPosix

/// One query/response exchange with a DNS server over UDP or TCP, on NIO event loops (never blocking a
/// thread). The forwarder uses TCP from here (UDP goes through its shared `DNSUpstreamSocket`s);
/// UDP is a tiny client for tests and tools.
public enum DNSTransport {
    /// Why an exchange produced no reply.
    public enum Error: Swift.Error, Hashable, Sendable, CustomStringConvertible {
        case timedOut(server: String)
        case io(server: String, message: String)
        case messageTooLarge(Int)

        public var description: String {
            switch self {
            case let .timedOut(server): "dns: no reply from \(server) within the timeout"
            case let .io(server, message): "dns: exchange with \(server) failed: \(message)"
            case let .messageTooLarge(size): "dns: message of \(size) bytes does not fit a TCP frame"
            }
        }
    }

    /// Sends `query` from a fresh socket on a random port and waits for a datagram from `server` with the
    /// same id; other datagrams are ignored (spoofed or late replies).
    public static func udpExchange(_ query: ByteBuffer, server: SocketAddress, timeout: TimeAmount,
                                   group: any EventLoopGroup) async throws(Error) -> ByteBuffer {
        let serverText = "\(server)"
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        let id = query.getInteger(at: query.readerIndex, as: UInt16.self) ?? 0
        do {
            let channel = try await DatagramBootstrap(group: eventLoop)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            UDPReplyHandler(promise: promise, server: server, id: id))
                    }
                }
                // Connected: the kernel picks a random source port, and an ICMP "port unreachable"
                // from a dead upstream surfaces at once as ECONNREFUSED instead of a timeout.
                .connect(to: server).get()
            let timer = eventLoop.scheduleTask(in: timeout) { promise.fail(Error.timedOut(server: serverText)) }
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: query), promise: nil)
            defer {
                timer.cancel()
                channel.close(promise: nil)
            }
            return try await promise.futureResult.get()
        } catch let error as Error {
            throw error
        } catch {
            promise.fail(error)
            throw .io(server: serverText, message: "\(error)")
        }
    }

    /// Connects to `server`, sends `query` with its length prefix and reads one framed reply.
    public static func tcpExchange(_ query: ByteBuffer, server: SocketAddress, timeout: TimeAmount,
                                   group: any EventLoopGroup) async throws(Error) -> ByteBuffer {
        let serverText = "\(server)"
        let eventLoop = group.next()
        let promise = eventLoop.makePromise(of: ByteBuffer.self)
        guard let framed = DNSTCPFrameDecoder.frame(query, allocator: ByteBufferAllocator()) else {
            throw .messageTooLarge(query.readableBytes)
        }
        let timer = eventLoop.scheduleTask(in: timeout) { promise.fail(Error.timedOut(server: serverText)) }
        defer { timer.cancel() }
        do {
            let channel = try await ClientBootstrap(group: eventLoop)
                .connectTimeout(timeout)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(TCPReplyHandler(promise: promise))
                    }
                }
                .connect(to: server).get()
            defer { channel.close(promise: nil) }
            channel.writeAndFlush(framed, promise: nil)
            return try await promise.futureResult.get()
        } catch let error as Error {
            throw error
        } catch {
            promise.fail(error)
            throw .io(server: serverText, message: "\(error)")
        }
    }
}

/// Completes the promise with the first datagram from the expected server carrying the expected id.
private final class UDPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let promise: EventLoopPromise<ByteBuffer>
    let server: SocketAddress
    let id: UInt16

    init(promise: EventLoopPromise<ByteBuffer>, server: SocketAddress, id: UInt16) {
        self.promise = promise
        self.server = server
        self.id = id
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        guard envelope.remoteAddress == server,
              envelope.data.getInteger(at: envelope.data.readerIndex, as: UInt16.self) == id else { return }
        promise.succeed(envelope.data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ECONNREFUSED: the upstream's host answered ICMP port unreachable (nothing listens there).
        promise.fail(error)
    }
}

/// Completes the promise with the first framed reply, or fails it if the connection closes first.
private final class TCPReplyHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let promise: EventLoopPromise<ByteBuffer>

    init(promise: EventLoopPromise<ByteBuffer>) { self.promise = promise }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        promise.succeed(Self.unwrapInboundIn(data))
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(ChannelError.eof)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(error)
    }
}
