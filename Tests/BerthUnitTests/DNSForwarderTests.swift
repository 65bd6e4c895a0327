import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import BerthDNS

/// The forwarder's shared upstream sockets, against a loopback upstream that records where queries
/// come from and answers each with its own id.
@Suite("DNS forwarder sockets", .serialized)
struct DNSForwarderTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    /// Replies to every query with the query itself, QR set; remembers each query's source port.
    final class EchoUpstream: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let ports = Mutex<[Int]>([])

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var envelope = Self.unwrapInboundIn(data)
            ports.withLock { $0.append(envelope.remoteAddress.port ?? 0) }
            let flags = envelope.data.getInteger(at: envelope.data.readerIndex + 2, as: UInt16.self) ?? 0
            envelope.data.setInteger(flags | 0x8000, at: envelope.data.readerIndex + 2)
            context.writeAndFlush(Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: envelope.data)), promise: nil)
        }
    }

    @Test func concurrentForwardsShareASocketThatIsReplacedAfterItsQuota() async throws {
        let upstream = EchoUpstream()
        let channel = try await DatagramBootstrap(group: Self.group)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(upstream) } }
            .bind(host: "127.0.0.1", port: 0).get()
        let forwarder = DNSForwarder(configuration: .init(upstreams: [try #require(channel.localAddress)], timeout: .seconds(2)),
                                     group: Self.group)
        let total = DNSUpstreamSocket.maxUses * 2 + 10
        // Waves of 64 in flight: concurrent enough to share sockets, gentle enough for loopback buffers.
        var ids: [(UInt16, UInt16)] = []
        for wave in stride(from: 0, to: total, by: 64) {
            ids += try await withThrowingTaskGroup(of: (UInt16, UInt16).self) { group in
                for i in wave..<min(wave + 64, total) {
                    group.addTask {
                        let id = UInt16(i)
                        let query = try DNSMessage.query(id: id, name: "q\(i).example", type: .A).encoded(allocator: ByteBufferAllocator())
                        guard case let .reply(reply) = await forwarder.forward(query) else { return (id, UInt16.max) }
                        // The client's id comes back, and the reply is the one for this very question.
                        let decoded = try DNSMessage(decoding: reply)
                        return decoded.questions.first?.name == "q\(i).example" ? (id, decoded.id) : (id, UInt16.max - 1)
                    }
                }
                var pairs: [(UInt16, UInt16)] = []
                for try await pair in group { pairs.append(pair) }
                return pairs
            }
        }
        #expect(ids.count == total && ids.allSatisfy { $0.0 == $0.1 })
        let ports = upstream.ports.withLock { $0 }
        #expect(ports.count == total)
        // Three sockets' worth of queries: the source port changed at least twice, and most queries shared one.
        #expect(Set(ports).count >= 3 && Set(ports).count < total / 10, "\(Set(ports).count) source ports")
        await forwarder.shutdown()
        try await channel.close()
    }

    /// Answers each query twice: first a forged reply with the right id for another question, then the real one.
    final class ForgingUpstream: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var envelope = Self.unwrapInboundIn(data)
            let flags = envelope.data.getInteger(at: envelope.data.readerIndex + 2, as: UInt16.self) ?? 0
            envelope.data.setInteger(flags | 0x8000, at: envelope.data.readerIndex + 2)
            var forged = envelope.data
            // The first label's first letter changes: same id, another question.
            let at = forged.readerIndex + 13
            forged.setInteger((forged.getInteger(at: at, as: UInt8.self) ?? 0) ^ 0x01, at: at)
            context.write(Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: forged)), promise: nil)
            context.writeAndFlush(Self.wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: envelope.data)), promise: nil)
        }
    }

    @Test func aReplyForAnotherQuestionIsIgnored() async throws {
        let upstream = try await DatagramBootstrap(group: Self.group)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(ForgingUpstream()) } }
            .bind(host: "127.0.0.1", port: 0).get()
        let forwarder = DNSForwarder(configuration: .init(upstreams: [try #require(upstream.localAddress)], timeout: .seconds(2)),
                                     group: Self.group)
        let query = try DNSMessage.query(id: 77, name: "real.example", type: .A).encoded(allocator: ByteBufferAllocator())
        guard case let .reply(reply) = await forwarder.forward(query) else {
            Issue.record("no reply")
            return
        }
        let decoded = try DNSMessage(decoding: reply)
        #expect(decoded.id == 77 && decoded.questions.first?.name == "real.example")
        await forwarder.shutdown()
        try await upstream.close()
    }

    @Test func deadUpstreamFailsFastAndTheNextOneAnswers() async throws {
        let upstream = EchoUpstream()
        let live = try await DatagramBootstrap(group: Self.group)
            .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(upstream) } }
            .bind(host: "127.0.0.1", port: 0).get()
        // A port nothing listens on: ICMP port unreachable → ECONNREFUSED on the connected socket.
        let dead = try SocketAddress(ipAddress: "127.0.0.1", port: 9)
        let forwarder = DNSForwarder(configuration: .init(upstreams: [dead, try #require(live.localAddress)], timeout: .seconds(3)),
                                     group: Self.group)
        let start = ContinuousClock.now
        for i in 0..<3 {
            let query = try DNSMessage.query(id: UInt16(i), name: "x.example", type: .A).encoded(allocator: ByteBufferAllocator())
            guard case let .reply(reply) = await forwarder.forward(query) else {
                Issue.record("no reply")
                continue
            }
            #expect(try DNSMessage(decoding: reply).id == UInt16(i))
        }
        #expect(ContinuousClock.now - start < .seconds(2))
        await forwarder.shutdown()
        try await live.close()
    }
}
