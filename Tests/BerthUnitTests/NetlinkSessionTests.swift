import BerthCore
import Testing

@testable import BerthNetlink

#if canImport(Glibc)
import Glibc
#endif

// Netlink is host-endian; the fixtures are written for little-endian machines (x86_64, arm64).
#if _endian(little)

/// A scripted `NetlinkSocket`: records what is sent and replays canned datagrams; with none
/// left, it fails the way a receive timeout does.
private final class ScriptedSocket: NetlinkSocket {
    let portID: UInt32 = 0x1234
    var sent: [[UInt8]] = []
    var replies: [[UInt8]]

    init(replies: [[UInt8]] = []) { self.replies = replies }

    func send(_ datagram: [UInt8]) throws { sent.append(datagram) }

    func receive() throws -> [UInt8] {
        guard !replies.isEmpty else { throw NetlinkError.system(call: "recvmsg(AF_NETLINK)", errno: EAGAIN) }
        return replies.removeFirst()
    }

    /// The `nlmsg_type` of each request sent so far.
    var sentTypes: [UInt16?] { sent.map { $0.loadRaw(UInt16.self, at: 4) } }
}

private typealias Fixtures = NetlinkFixtures

@Suite("Netlink session over a scripted socket")
struct NetlinkSessionTests {
    @Test("an errno reply becomes NetlinkError.kernel with the request's operation")
    func errnoBecomesTypedError() throws {
        let socket = ScriptedSocket(replies: [Fixtures.failure(EEXIST, 1)])
        let session = NetlinkSession(socket: socket)
        #expect(throws: NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST)) {
            try session.createBridge(name: "br-odd", mtu: nil, alias: nil)
        }
        #expect(socket.sent.count == 1)
        #expect(socket.sent.first?.loadRaw(UInt32.self, at: 8) == 1)  // nlmsg_seq
        #expect(socket.sent.first?.loadRaw(UInt32.self, at: 12) == 0x1234)  // nlmsg_pid: our port
    }

    @Test("replies with another sequence number or port id are skipped")
    func staleRepliesSkipped() throws {
        var otherPort = Fixtures.failure(EPERM, 42)
        otherPort.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(99), toByteOffset: 12, as: UInt32.self) }
        let socket = ScriptedSocket(replies: [Fixtures.failure(ENODEV, 41), otherPort + Fixtures.ack(42)])
        let session = NetlinkSession(socket: socket, firstSequence: 42)
        try session.setLinkUp(name: "br0")
        #expect(socket.replies.isEmpty)
    }

    @Test("a dump is collected across datagrams until NLMSG_DONE; link(named:) maps ENODEV to nil")
    func dumpAndLookup() throws {
        let socket = ScriptedSocket(replies: [
            Fixtures.newLink(1) + Fixtures.newLink(1),  // two entries in one datagram
            Fixtures.done(1),  // the end, in the next datagram
            Fixtures.failure(ENODEV, 2),
        ])
        let session = NetlinkSession(socket: socket)
        #expect(try session.links().map(\.name) == ["br-odd", "br-odd"])
        #expect(try session.link(named: "missing") == nil)
        #expect(socket.sentTypes == [18, 18])  // RTM_GETLINK dump, then RTM_GETLINK by name
    }

    @Test("an interrupted dump (NLM_F_DUMP_INTR) is read again")
    func interruptedDumpRetried() throws {
        let socket = ScriptedSocket(replies: [
            Fixtures.newLink(1, flags: 0x12) + Fixtures.done(1),  // NLM_F_MULTI | NLM_F_DUMP_INTR
            Fixtures.newLink(2) + Fixtures.done(2),
        ])
        let session = NetlinkSession(socket: socket)
        #expect(try session.links().count == 1)
        #expect(socket.sent.count == 2)
    }

    @Test("a failed follow-up after creating a bridge deletes the bridge again")
    func createBridgeRollsBack() throws {
        let socket = ScriptedSocket(replies: [
            Fixtures.ack(1),  // RTM_NEWLINK
            Fixtures.failure(EINVAL, 2),  // RTM_SETLINK with the MTU
            Fixtures.ack(3),  // RTM_DELLINK
        ])
        let session = NetlinkSession(socket: socket)
        #expect(throws: NetlinkError.kernel(operation: "RTM_SETLINK", errno: EINVAL)) {
            try session.createBridge(name: "br0", mtu: 1_000_000, alias: "berth")
        }
        #expect(socket.sentTypes == [16, 19, 17])  // RTM_NEWLINK, RTM_SETLINK, RTM_DELLINK
    }

    @Test("no reply within the timeout surfaces as NetlinkError.timeout")
    func timeout() {
        let session = NetlinkSession(socket: ScriptedSocket())
        #expect(throws: NetlinkError.timeout(operation: "RTM_DELLINK")) { try session.deleteLink(name: "br0") }
    }
}

#endif
