import BerthCore
import NIOCore
import NIOPosix
import Testing

@testable import BerthDNS

/// Loopback tests: every socket is on 127.0.0.1, no root needed, nothing leaves the host.
@Suite("DNS server over loopback", .serialized)
struct DNSServerTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    static func records(net: String, names: [(String, IPv4Address)], alias: String? = nil) -> ServiceRecords {
        let records = ServiceRecords()
        for (i, (name, address)) in names.enumerated() {
            records.add(DNSEndpointRecord(containerID: "\(net)\(i)" + String(repeating: "0", count: 60),
                                          networkID: "\(net)-id", networkName: net, names: [name],
                                          aliases: alias.map { [$0] } ?? [], ipv4: address))
        }
        return records
    }

    /// Starts a server and returns it with its UDP and TCP addresses.
    static func start(_ records: ServiceRecords, net: String, forwarder: DNSForwarder.Configuration? = nil,
                      answerServerFailure: Bool = true) async throws -> (DNSServer, SocketAddress, SocketAddress) {
        let server = DNSServer(resolver: DNSResolver(records: records),
                               configuration: .init(scope: DNSClientScope(networkIDs: ["\(net)-id"]),
                                                    forwarder: forwarder, answerServerFailure: answerServerFailure),
                               group: group)
        let (udp, tcp) = try await server.start(host: "127.0.0.1", port: 0)
        return (server, try #require(udp), try #require(tcp))
    }

    static func udp(_ query: DNSMessage, _ server: SocketAddress, timeout: TimeAmount = .seconds(3)) async throws -> DNSMessage {
        let reply = try await DNSTransport.udpExchange(try query.encoded(allocator: ByteBufferAllocator()),
                                                       server: server, timeout: timeout, group: group)
        return try DNSMessage(decoding: reply)
    }

    static func tcp(_ query: DNSMessage, _ server: SocketAddress) async throws -> DNSMessage {
        let reply = try await DNSTransport.tcpExchange(try query.encoded(allocator: ByteBufferAllocator()),
                                                       server: server, timeout: .seconds(3), group: group)
        return try DNSMessage(decoding: reply)
    }

    @Test func answersLocalNamesOverUDPAndTCP() async throws {
        let (server, udp, tcp) = try await Self.start(Self.records(net: "front", names: [("web", IPv4Address(172, 18, 0, 2))]),
                                                      net: "front")
        defer { Task { await server.stop() } }
        #expect(udp.port == tcp.port)
        let a = try await Self.udp(.query(id: 11, name: "web", type: .A), udp)
        #expect(a.id == 11 && a.answers.map(\.data) == [.a(IPv4Address(172, 18, 0, 2))] && a.answers.first?.ttl == 600)
        let aaaa = try await Self.tcp(.query(id: 12, name: "WEB", type: .AAAA), tcp)
        #expect(aaaa.responseCode == .noError && aaaa.answers.isEmpty)
        let nx = try await Self.udp(.query(id: 13, name: "nope.front", type: .A), udp)
        #expect(nx.responseCode == .nameError)
        await server.stop()
    }

    @Test func forwardsUnknownNamesToUpstreamInOrder() async throws {
        let (upA, upAUDP, _) = try await Self.start(Self.records(net: "ua", names: [("onlyA", IPv4Address(10, 1, 0, 1))]),
                                                    net: "ua")
        let (upB, upBUDP, _) = try await Self.start(Self.records(net: "ub", names: [("onlyB", IPv4Address(10, 2, 0, 1))]),
                                                    net: "ub")
        // upA has no forwarder: names it does not know get SERVFAIL, so the forwarder moves on to upB.
        let (server, udp, tcp) = try await Self.start(
            Self.records(net: "front", names: [("web", IPv4Address(172, 18, 0, 2))]), net: "front",
            forwarder: .init(upstreams: [upAUDP, upBUDP], timeout: .seconds(3)))
        defer { Task { await server.stop(); await upA.stop(); await upB.stop() } }

        let fromA = try await Self.udp(.query(id: 21, name: "onlyA", type: .A), udp)
        #expect(fromA.id == 21 && fromA.answers.map(\.data) == [.a(IPv4Address(10, 1, 0, 1))])
        let fromB = try await Self.udp(.query(id: 22, name: "onlyB", type: .A), udp)
        #expect(fromB.id == 22 && fromB.answers.map(\.data) == [.a(IPv4Address(10, 2, 0, 1))])
        // NXDOMAIN from the first upstream stops the search.
        let nx = try await Self.tcp(.query(id: 23, name: "x.ua", type: .A), tcp)
        #expect(nx.id == 23 && nx.responseCode == .nameError)
        // Neither knows it: the last SERVFAIL is passed on.
        let fail = try await Self.udp(.query(id: 24, name: "unknown.example", type: .A), udp)
        #expect(fail.responseCode == .serverFailure)
    }

    @Test func unreachableUpstreamGivesServfailWithinTimeout() async throws {
        // A bound UDP socket that never answers: the forwarder must time out, not hang.
        let blackhole = try await DatagramBootstrap(group: Self.group).bind(host: "127.0.0.1", port: 0).get()
        let target = try #require(blackhole.localAddress)
        let (server, udp, _) = try await Self.start(
            Self.records(net: "front", names: []), net: "front",
            forwarder: .init(upstreams: [target, target], timeout: .milliseconds(200)))
        defer { Task { await server.stop(); try? await blackhole.close() } }
        let clock = ContinuousClock()
        let start = clock.now
        let reply = try await Self.udp(.query(id: 31, name: "example.com", type: .A), udp)
        let elapsed = clock.now - start
        #expect(reply.id == 31 && reply.responseCode == .serverFailure)
        #expect(elapsed >= .milliseconds(350) && elapsed < .seconds(10))
    }

    @Test func silentOnFailureLikeDockerd() async throws {
        let blackhole = try await DatagramBootstrap(group: Self.group).bind(host: "127.0.0.1", port: 0).get()
        let target = try #require(blackhole.localAddress)
        let (server, udp, _) = try await Self.start(
            Self.records(net: "front", names: []), net: "front",
            forwarder: .init(upstreams: [target], timeout: .milliseconds(100)), answerServerFailure: false)
        defer { Task { await server.stop(); try? await blackhole.close() } }
        await #expect(throws: DNSTransport.Error.self) {
            _ = try await Self.udp(.query(id: 32, name: "example.com", type: .A), udp, timeout: .milliseconds(500))
        }
    }

    static let many: [(String, IPv4Address)] = (1...60).map { ("c\($0)", IPv4Address(172, 20, 0, UInt8($0))) }

    @Test func largeLocalAnswerTruncatesOverUDPAndSucceedsOverTCP() async throws {
        let (server, udp, tcp) = try await Self.start(Self.records(net: "big", names: Self.many, alias: "pool"), net: "big")
        defer { Task { await server.stop() } }
        let overUDP = try await Self.udp(.query(id: 41, name: "pool", type: .A), udp)
        #expect(overUDP.truncated && overUDP.answers.isEmpty && overUDP.questions.first?.name == "pool")
        let overTCP = try await Self.tcp(.query(id: 42, name: "pool", type: .A), tcp)
        #expect(!overTCP.truncated && overTCP.answers.count == 60)
        // An EDNS0 client with a 4096-byte buffer gets it all over UDP.
        let edns = try await Self.udp(.query(id: 43, name: "pool", type: .A, edns: DNSEDNS(udpPayloadSize: 4096)), udp)
        #expect(!edns.truncated && edns.answers.count == 60 && edns.edns != nil)
    }

    @Test func forwardedLargeAnswerUsesTCPUpstreamAndTruncatesToClient() async throws {
        let (upstream, upUDP, _) = try await Self.start(Self.records(net: "big", names: Self.many, alias: "pool"), net: "big")
        let (server, udp, tcp) = try await Self.start(Self.records(net: "front", names: []), net: "front",
                                                      forwarder: .init(upstreams: [upUDP], timeout: .seconds(1)))
        defer { Task { await server.stop(); await upstream.stop() } }
        let overUDP = try await Self.udp(.query(id: 51, name: "pool", type: .A), udp)
        #expect(overUDP.id == 51 && overUDP.truncated && overUDP.answers.isEmpty)
        let overTCP = try await Self.tcp(.query(id: 52, name: "pool", type: .A), tcp)
        #expect(overTCP.id == 52 && !overTCP.truncated && overTCP.answers.count == 60)
    }

    @Test func severalQueriesOnOneTCPConnection() async throws {
        let (server, _, tcp) = try await Self.start(Self.records(net: "front", names: [("web", IPv4Address(172, 18, 0, 2))]),
                                                    net: "front")
        defer { Task { await server.stop() } }
        let promise = Self.group.next().makePromise(of: [ByteBuffer].self)
        let channel = try await ClientBootstrap(group: Self.group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(FrameCollector(expected: 3, promise: promise))
                }
            }
            .connect(to: tcp).get()
        var out = ByteBufferAllocator().buffer(capacity: 128)
        for id in UInt16(61)...63 {
            let bytes = try DNSMessage.query(id: id, name: "web", type: .A).encoded()
            out.writeInteger(UInt16(bytes.count))
            out.writeBytes(bytes)
        }
        try await channel.writeAndFlush(out)
        let frames = try await promise.futureResult.get()
        let ids = try frames.map { try DNSMessage(decoding: $0).id }
        #expect(ids.sorted() == [61, 62, 63])
        try await channel.close()
    }

    @Test func garbageGetsFormerrOrNothing() async throws {
        let (server, udp, _) = try await Self.start(Self.records(net: "front", names: []), net: "front")
        defer { Task { await server.stop() } }
        var junk = ByteBufferAllocator().buffer(capacity: 16)
        junk.writeBytes([0x00, 0x07, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xC0])
        let reply = try await DNSTransport.udpExchange(junk, server: udp, timeout: .seconds(2), group: Self.group)
        #expect(try DNSMessage(decoding: reply).responseCode == .formatError)
        // the server is still alive: "x.front" is in a known domain but the network has no endpoint → forward,
        // and with no forwarder configured that is SERVFAIL.
        #expect(try await Self.udp(.query(id: 8, name: "x.front", type: .A), udp).responseCode == .serverFailure)
    }

    @Test func loopbackThroughput() async throws {
        let (server, udp, _) = try await Self.start(Self.records(net: "front", names: [("web", IPv4Address(172, 18, 0, 2))]),
                                                    net: "front")
        defer { Task { await server.stop() } }
        let query = try DNSMessage.query(id: 1, name: "web", type: .A).encoded(allocator: ByteBufferAllocator())
        let total = 2000
        let concurrency = 16
        let clock = ContinuousClock()
        let elapsed = try await clock.measure {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for _ in 0..<concurrency {
                    tasks.addTask {
                        for _ in 0..<(total / concurrency) {
                            _ = try await DNSTransport.udpExchange(query, server: udp, timeout: .seconds(2), group: Self.group)
                        }
                    }
                }
                try await tasks.waitForAll()
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("DNS server over loopback UDP (fresh client socket per query, \(concurrency) in flight): \(Int(Double(total) / seconds)) queries/s")
    }
}

/// Collects `expected` frames, then completes.
private final class FrameCollector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let expected: Int
    let promise: EventLoopPromise<[ByteBuffer]>
    var frames: [ByteBuffer] = []

    init(expected: Int, promise: EventLoopPromise<[ByteBuffer]>) {
        self.expected = expected
        self.promise = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        frames.append(Self.unwrapInboundIn(data))
        if frames.count == expected { promise.succeed(frames) }
    }

    func channelInactive(context: ChannelHandlerContext) { promise.fail(ChannelError.eof) }
}
