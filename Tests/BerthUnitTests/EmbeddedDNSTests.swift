import BerthCore
import BerthDNS
import BerthFirewall
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import BerthNetwork

/// The embedded DNS service without namespaces: listeners on 127.0.0.1 through the channel-maker
/// seam, the redirect rules recorded by `RecordingNFTables`.
@Suite("Embedded DNS service", .serialized)
struct EmbeddedDNSTests {
    static let group = MultiThreadedEventLoopGroup.singleton

    static func service(_ firewall: RecordingNFTables) -> EmbeddedDNS {
        EmbeddedDNS(firewall: firewall, group: group, logger: Logger(label: "test"), upstreamTimeout: .milliseconds(300),
                    makeChannels: { _ in DNSBindingChannelMaker(host: "127.0.0.1", port: 0) })
    }

    /// A 64-character container id starting with `short`.
    static func id(_ short: String) -> String { short + String(repeating: "0", count: 64 - short.count) }

    static func record(_ short: String, _ net: String, _ name: String, _ last: UInt8, aliases: [String] = []) -> DNSEndpointRecord {
        DNSEndpointRecord(containerID: id(short), networkID: net + "-id",
                          networkName: net, names: [name], aliases: aliases, ipv4: IPv4Address(172, 18, 0, last))
    }

    static func ask(_ name: String, port: Int, type: DNSType = .A) async throws -> DNSMessage {
        let server = try SocketAddress(ipAddress: "127.0.0.1", port: port)
        let reply = try await DNSTransport.udpExchange(
            try DNSMessage.query(id: 7, name: name, type: type).encoded(allocator: ByteBufferAllocator()),
            server: server, timeout: .seconds(3), group: group)
        return try DNSMessage(decoding: reply)
    }

    @Test func servesScopedNamesAndRedirectsPort53ToTheListeners() async throws {
        let firewall = RecordingNFTables()
        let dns = Self.service(firewall)
        dns.setRecords(containerID: Self.id("a1"), [Self.record("a1", "front", "web", 2)])
        dns.setRecords(containerID: Self.id("b1"), [Self.record("b1", "back", "db", 9)])
        let ports = try await dns.serve(containerID: "c1", .init(
            sandboxKey: "/run/x/netns/c1", scope: DNSClientScope(networkIDs: ["front-id"]), upstreams: []))
        #expect(await dns.isServing(containerID: "c1"))

        // The redirect went to the sandbox and names the listeners' real ports.
        let applied = try #require(firewall.applied.first)
        #expect(applied.target == .namespace(path: "/run/x/netns/c1"))
        #expect(applied.script == DNSRedirectRules(udpPort: ports.udp, tcpPort: ports.tcp).script)

        let web = try await Self.ask("web", port: ports.udp)
        #expect(web.answers.map(\.data) == [.a(IPv4Address(172, 18, 0, 2))])
        // db is on a network the client is not on; with no upstreams the server says SERVFAIL.
        #expect(try await Self.ask("db", port: ports.udp).responseCode == .serverFailure)

        // Connecting the client to "back" rescopes the running server without reopening it.
        let again = try await dns.serve(containerID: "c1", .init(
            sandboxKey: "/run/x/netns/c1", scope: DNSClientScope(networkIDs: ["front-id", "back-id"]), upstreams: []))
        #expect(again.udp == ports.udp && firewall.applied.count == 1)
        #expect(try await Self.ask("db", port: ports.udp).answers.map(\.data) == [.a(IPv4Address(172, 18, 0, 9))])

        // Records change for everyone at once: web leaves, a new container joins with an alias.
        dns.setRecords(containerID: Self.id("a1"), [])
        dns.setRecords(containerID: Self.id("a2"), [Self.record("a2", "front", "api", 3, aliases: ["web"])])
        #expect(try await Self.ask("web", port: ports.udp).answers.map(\.data) == [.a(IPv4Address(172, 18, 0, 3))])
        #expect(try await Self.ask("web.front", port: ports.udp).answers.count == 1)

        // New upstreams restart the server in the same sandbox: its old rules are replaced, not added to.
        let moved = try await dns.serve(containerID: "c1", .init(
            sandboxKey: "/run/x/netns/c1", scope: DNSClientScope(networkIDs: ["front-id"]), upstreams: ["10.0.0.2"]))
        #expect(firewall.applied.count == 2)
        #expect(firewall.applied.last?.script == DNSRedirectRules(udpPort: moved.udp, tcpPort: moved.tcp).replacing)

        await dns.stop(containerID: "c1")
        #expect(await !dns.isServing(containerID: "c1"))
        await #expect(throws: (any Error).self) { _ = try await Self.ask("api", port: ports.udp) }
    }

    /// Binds on loopback like the default test maker, and keeps the listeners it made.
    final class KeepingChannelMaker: DNSChannelMaker {
        let made = Mutex<[DNSListeners]>([])
        func makeChannels(group: any EventLoopGroup,
                          udpInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>,
                          tcpChildInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>) async throws -> DNSListeners {
            let listeners = try await DNSBindingChannelMaker(host: "127.0.0.1", port: 0)
                .makeChannels(group: group, udpInitializer: udpInitializer, tcpChildInitializer: tcpChildInitializer)
            made.withLock { $0.append(listeners) }
            return listeners
        }
    }

    @Test(.timeLimit(.minutes(1))) func refusedRedirectLeavesNothingListening() async throws {
        let firewall = RecordingNFTables()
        firewall.failNext(.rejected(message: "Error: Could not process rule: No such file or directory", script: ""))
        let maker = KeepingChannelMaker()
        let dns = EmbeddedDNS(firewall: firewall, group: Self.group, logger: Logger(label: "test"), makeChannels: { _ in maker })
        await #expect(throws: BerthError.self) {
            try await dns.serve(containerID: "c1", .init(sandboxKey: "/k", scope: .init(networkIDs: []), upstreams: []))
        }
        #expect(await !dns.isServing(containerID: "c1"))
        #expect(firewall.applied.isEmpty)
        // The listeners opened before the refusal are closed again.
        let opened = try #require(maker.made.withLock { $0.first })
        try await opened.udp.closeFuture.get()
        try await opened.tcp.closeFuture.get()
        #expect(!opened.udp.isActive && !opened.tcp.isActive)
        // A later attempt works: nothing of the first one is in the way.
        try await dns.serve(containerID: "c1", .init(sandboxKey: "/k", scope: .init(networkIDs: []), upstreams: []))
        await dns.stopAll()
        #expect(await !dns.isServing(containerID: "c1"))
    }

    @Test func forwardsToTheSandboxUpstreams() async throws {
        // A fake upstream on loopback knows one outside name.
        let upstreamRecords = ServiceRecords()
        upstreamRecords.add(DNSEndpointRecord(containerID: String(repeating: "e", count: 64), networkID: "u", networkName: "u",
                                              names: ["outside.example"], ipv4: IPv4Address(198, 51, 100, 7)))
        let upstream = DNSServer(resolver: DNSResolver(records: upstreamRecords),
                                 configuration: .init(scope: .init(networkIDs: ["u"])), group: Self.group)
        let (udp, _) = try await upstream.start(host: "127.0.0.1", port: 0)
        let upstreamPort = try #require(udp?.port)
        let dns = Self.service(RecordingNFTables())
        let ports = try await dns.serve(containerID: "c1", .init(
            sandboxKey: "/k", scope: .init(networkIDs: ["front-id"]), upstreams: ["127.0.0.1:\(upstreamPort)"]))
        let reply = try await Self.ask("outside.example", port: ports.udp)
        #expect(reply.answers.map(\.data) == [.a(IPv4Address(198, 51, 100, 7))])
        await dns.stopAll()
        await upstream.stop()
    }

    @Test func upstreamAddressForms() {
        #expect(EmbeddedDNS.socketAddress("10.0.0.2")?.port == 53)
        #expect(EmbeddedDNS.socketAddress("10.0.0.2:5353")?.port == 5353)
        #expect(EmbeddedDNS.socketAddress("fd00::1")?.port == 53)
        #expect(EmbeddedDNS.socketAddress("[fd00::1]:5300")?.port == 5300)
        #expect(EmbeddedDNS.socketAddress("dns.example") == nil)
        #expect(EmbeddedDNS.socketAddress("10.0.0.2:x") == nil)
    }

    @Test func redirectRulesMapPort53BothWays() {
        let script = DNSRedirectRules(udpPort: 40001, tcpPort: 40002).script
        #expect(script.hasPrefix("table ip berth_dns {\n"))
        let replacing = DNSRedirectRules(udpPort: 40001, tcpPort: 40002).replacing
        #expect(replacing == "add table ip berth_dns\ndelete table ip berth_dns\n" + script)
        #expect(script.contains("ip daddr 127.0.0.11 udp dport 53 udp dport set 40001 notrack"))
        #expect(script.contains("ip saddr 127.0.0.11 udp sport 40001 udp sport set 53 notrack"))
        #expect(script.contains("ip daddr 127.0.0.11 tcp dport 53 dnat to 127.0.0.11:40002"))
        #expect(script.contains("ip saddr 127.0.0.11 tcp sport 40002 snat to 127.0.0.11:53"))
    }
}
