import BerthCore
import Testing

@testable import BerthNetlink

#if canImport(Glibc)
import Glibc
#endif

// Netlink is host-endian; the fixtures are written for little-endian machines (x86_64, arm64).
#if _endian(little)

/// Records requests and replays canned datagrams; with none left it fails like a timeout.
private final class ReplayingSocket: NetlinkSocket {
    let portID: UInt32 = 0x1234
    var sent: [[UInt8]] = []
    var replies: [[UInt8]]

    init(_ replies: [[UInt8]]) { self.replies = replies }

    func send(_ datagram: [UInt8]) throws { sent.append(datagram) }

    func receive() throws -> [UInt8] {
        guard !replies.isEmpty else { throw NetlinkError.system(call: "recvmsg(AF_NETLINK)", errno: EAGAIN) }
        return replies.removeFirst()
    }

    /// The `nlmsg_type` of each request sent so far.
    var sentTypes: [UInt16?] { sent.map { $0.loadRaw(UInt16.self, at: 4) } }
}

private typealias Fixtures = NetlinkFixtures

/// `NetlinkSession`'s route and endpoint-link exchanges over a replaying socket.
@Suite("Netlink session: routes and endpoint links")
struct NetlinkRouteSessionTests {
    /// The answer to `RTM_GETLINK` by name: `br-odd`, index 7, then the ACK.
    private static func linkLookup(_ sequence: UInt32) -> [UInt8] {
        Fixtures.newLink(sequence, flags: 0) + Fixtures.ack(sequence)
    }

    /// A route dump answering `sequence`: the IPv4 default route via 172.17.0.1 out of `index`.
    private static func defaultRouteDump(_ sequence: UInt32, index: UInt8) -> [UInt8] {
        var entry = NetlinkRouteCodecTests.newRouteReply
        entry.withUnsafeMutableBytes { $0.storeBytes(of: sequence, toByteOffset: 8, as: UInt32.self) }
        entry[entry.count - 4] = index  // RTA_OIF
        return entry + Fixtures.done(sequence)
    }

    @Test("addRoute resolves the link, then sends RTM_NEWROUTE with its index")
    func addRouteResolvesLink() throws {
        let socket = ReplayingSocket([Self.linkLookup(1), Fixtures.ack(2)])
        let session = NetlinkSession(socket: socket)
        try session.addRoute(destination: nil, gateway: IPAddress("172.17.0.1"), link: "br-odd")
        #expect(socket.sentTypes == [18, 24])  // RTM_GETLINK, RTM_NEWROUTE
        #expect(socket.sent.last?.loadRaw(UInt32.self, at: socket.sent[1].count - 4) == 7)  // RTA_OIF
    }

    @Test("EEXIST on add is success when the same route is there, an error when another holds the slot")
    func addRouteIdempotence() throws {
        let same = ReplayingSocket([Self.linkLookup(1), Fixtures.failure(EEXIST, 2), Self.defaultRouteDump(3, index: 7)])
        try NetlinkSession(socket: same).addRoute(destination: nil, gateway: IPAddress("172.17.0.1"), link: "br-odd")
        #expect(same.sentTypes == [18, 24, 26])  // RTM_GETLINK, RTM_NEWROUTE, RTM_GETROUTE dump

        let other = ReplayingSocket([Self.linkLookup(1), Fixtures.failure(EEXIST, 2), Self.defaultRouteDump(3, index: 7)])
        #expect(throws: NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: EEXIST)) {
            try NetlinkSession(socket: other).addRoute(destination: nil, gateway: IPAddress("172.17.0.9"), link: "br-odd")
        }
        let otherLink = ReplayingSocket([Self.linkLookup(1), Fixtures.failure(EEXIST, 2), Self.defaultRouteDump(3, index: 3)])
        #expect(throws: NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: EEXIST)) {
            try NetlinkSession(socket: otherLink).addRoute(destination: nil, gateway: IPAddress("172.17.0.1"), link: "br-odd")
        }
    }

    @Test("routes(link:) filters the dump by the link's index; a missing link is ENODEV")
    func routesFilteredByLink() throws {
        let socket = ReplayingSocket([
            Self.linkLookup(1), Self.defaultRouteDump(2, index: 7),
            Self.linkLookup(3), Self.defaultRouteDump(4, index: 3),
            Fixtures.failure(ENODEV, 5),
        ])
        let session = NetlinkSession(socket: socket)
        #expect(try session.routes(link: "br-odd").map(\.outputIndex) == [7])
        #expect(try session.routes(link: "br-odd").isEmpty)
        #expect(throws: NetlinkError.kernel(operation: "RTM_GETLINK", errno: ENODEV)) {
            try session.routes(link: "missing")
        }
    }

    @Test("deleteRoute passes ESRCH through; rename resolves the index first")
    func deleteAndRename() throws {
        let socket = ReplayingSocket([
            Self.linkLookup(1), Fixtures.failure(ESRCH, 2),
            Self.linkLookup(3), Fixtures.ack(4),
        ])
        let session = NetlinkSession(socket: socket)
        #expect(throws: NetlinkError.kernel(operation: "RTM_DELROUTE", errno: ESRCH)) {
            try session.deleteRoute(destination: CIDR("0.0.0.0/0"), gateway: nil, link: "br-odd")
        }
        // A route whose family is unknown is refused before anything is sent.
        #expect(throws: NetlinkError.self) { try session.deleteRoute(destination: nil, gateway: nil, link: "br-odd") }
        try session.rename(name: "br-odd", to: "eth0")
        #expect(socket.sentTypes == [18, 25, 18, 19])
        #expect(socket.sent.last?.loadRaw(Int32.self, at: 20) == 7)  // ifi_index of the rename
    }
}

#endif
