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
        /// Waiting queries by id, with their question section: a reply must repeat it (RFC 5452 §9.1),
        /// so a late reply to a timed-out query whose id was reused reaches nobody.
        var pending: [UInt16: (promise: EventLoopPromise<ByteBuffer>, question: [UInt8])] = [:]
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
        let question = Self.question(of: query) ?? []
        let reserved: UInt16? = state.withLock { s in
            guard !s.retired else { return nil }
            var id = UInt16.random(in: .min ... .max)
            while s.pending[id] != nil { id = UInt16.random(in: .min ... .max) }
            s.pending[id] = (promise, question)
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
        let answered = Self.question(of: reply).map { $0.map(Self.lowercased) }
        let promise: EventLoopPromise<ByteBuffer>? = state.withLock { s in
            guard let entry = s.pending[id], answered == entry.question.map(Self.lowercased) else { return nil }
            s.pending[id] = nil
            return entry.promise
        }
        promise?.succeed(reply)
    }

    /// The bytes of a message's first question (name, type, class), nil when malformed or compressed.
    static func question(of message: ByteBuffer) -> [UInt8]? {
        let start = message.readerIndex + 12
        var offset = start
        while true {
            guard let length = message.getInteger(at: offset, as: UInt8.self), length & 0xC0 == 0 else { return nil }
            offset += 1 + Int(length)
            if length == 0 { break }
        }
        return message.getBytes(at: start, length: offset + 4 - start)
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 { (65...90).contains(byte) ? byte + 32 : byte }

    /// A socket error (ECONNREFUSED: nothing listens at the server): every waiting query fails at once.
    fileprivate func failed(_ error: any Error) {
        let waiting: [EventLoopPromise<ByteBuffer>] = state.withLock { s in
            s.retired = true
            defer { s.pending = [:] }
            return s.pending.values.map(\.promise)
        }
        for p in waiting { p.fail(error) }
        closeIfDrained()
    }

    private func complete(id: UInt16, _ body: (EventLoopPromise<ByteBuffer>) -> Void) {
        guard let entry = state.withLock({ $0.pending.removeValue(forKey: id) }) else { return }
        body(entry.promise)
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
