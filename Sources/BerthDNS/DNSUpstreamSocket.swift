import NIOCore
import NIOPosix
import Synchronization

/// A connected UDP socket to one upstream server, shared by concurrent forwards: each query gets a
/// random id unique among those in flight, and replies are matched back by id (the connected socket
/// only accepts datagrams from the server). Opening a socket per forward (dockerd's way) costs
/// several system calls and an event-loop registration each time; this pays them once per
/// `maxUses` queries. After that the forwarder opens a fresh socket, so the source port still
/// changes (off-path spoofing must guess port and id), and this one closes once its replies are in.
final class DNSUpstreamSocket: Sendable {
    /// Queries sent through one socket before it is replaced.
    static let maxUses = 512

    let server: SocketAddress
    private let channel: any Channel
    private let state: Mutex<State>

    private struct State {
        var pending: [UInt16: EventLoopPromise<ByteBuffer>] = [:]
        var uses = 0
        var retired = false
    }

    private init(server: SocketAddress, channel: any Channel) {
        self.server = server
        self.channel = channel
        self.state = Mutex(State())
    }

    /// Opens a socket connected to `server` (the kernel picks a random source port).
    static func open(to server: SocketAddress, group: any EventLoopGroup) async throws -> DNSUpstreamSocket {
        let box = ReplyRouterBox()
        let channel = try await DatagramBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ReplyRouter(box: box))
                }
            }
            .connect(to: server).get()
        let socket = DNSUpstreamSocket(server: server, channel: channel)
        box.socket.withLock { $0 = socket }
        return socket
    }

    /// Whether the socket should take no more queries (used up, or failed).
    var isRetired: Bool { state.withLock { $0.retired } }

    /// Sends `query` (its id is replaced) and waits for the reply with the same id, or fails after
    /// `timeout`. Returns nil, sending nothing, when the socket is retired: ask the forwarder for another.
    func exchange(_ query: ByteBuffer, timeout: TimeAmount) async throws(DNSTransport.Error) -> ByteBuffer? {
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let reserved: UInt16? = state.withLock { s in
            guard !s.retired else { return nil }
            var id = UInt16.random(in: .min ... .max)
            while s.pending[id] != nil { id = UInt16.random(in: .min ... .max) }
            s.pending[id] = promise
            s.uses += 1
            if s.uses >= Self.maxUses { s.retired = true }
            return id
        }
        guard let id = reserved else {
            promise.succeed(ByteBuffer())  // never awaited; a promise must not be leaked unfulfilled
            return nil
        }
        var outgoing = query
        outgoing.setInteger(id, at: outgoing.readerIndex)
        let timer = channel.eventLoop.scheduleTask(in: timeout) { [self] in
            self.complete(id: id) { $0.fail(DNSTransport.Error.timedOut(server: "\(self.server)")) }
        }
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: server, data: outgoing)).whenFailure { [self] error in
            self.complete(id: id) { $0.fail(error) }
        }
        defer {
            timer.cancel()
            closeIfDrained()
        }
        do {
            return try await promise.futureResult.get()
        } catch let error as DNSTransport.Error {
            throw error
        } catch {
            throw .io(server: "\(server)", message: "\(error)")
        }
    }

    /// A datagram from the server: hands it to the query waiting for its id; strays are dropped.
    fileprivate func received(_ reply: ByteBuffer) {
        guard let id = reply.getInteger(at: reply.readerIndex, as: UInt16.self) else { return }
        complete(id: id) { $0.succeed(reply) }
    }

    /// A socket error (ECONNREFUSED: nothing listens at the server): every waiting query fails at once.
    fileprivate func failed(_ error: any Error) {
        let waiting: [EventLoopPromise<ByteBuffer>] = state.withLock { s in
            s.retired = true
            defer { s.pending = [:] }
            return Array(s.pending.values)
        }
        for p in waiting { p.fail(error) }
        closeIfDrained()
    }

    private func complete(id: UInt16, _ body: (EventLoopPromise<ByteBuffer>) -> Void) {
        guard let promise = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
        body(promise)
    }

    private func closeIfDrained() {
        if state.withLock({ $0.retired && $0.pending.isEmpty }) { channel.close(promise: nil) }
    }

    /// Closes the socket; queries in flight fail.
    func close() {
        failed(ChannelError.ioOnClosedChannel)
    }
}

/// Lets the channel's handler reach the socket object created after the channel.
private final class ReplyRouterBox: Sendable {
    let socket = Mutex<DNSUpstreamSocket?>(nil)
}

private final class ReplyRouter: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let box: ReplyRouterBox

    init(box: ReplyRouterBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = Self.unwrapInboundIn(data)
        box.socket.withLock { $0 }?.received(envelope.data)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        box.socket.withLock { $0 }?.failed(error)
    }
}
