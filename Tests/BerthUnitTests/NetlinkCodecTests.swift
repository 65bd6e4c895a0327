import BerthCore
import Testing

@testable import BerthNetlink

#if canImport(Glibc)
import Glibc
#endif

// Netlink is host-endian; these fixtures are written for little-endian machines (x86_64, arm64).
#if _endian(little)

/// Reply fixtures shared by the netlink unit tests (little-endian hosts only).
enum NetlinkFixtures {
    /// Builds a reply message: nlmsghdr for `portID` 0x1234, then `payload`.
    static func message(type: UInt16, flags: UInt16 = 0, sequence: UInt32, payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendRaw(UInt32(16 + payload.count))
        bytes.appendRaw(type)
        bytes.appendRaw(flags)
        bytes.appendRaw(sequence)
        bytes.appendRaw(UInt32(0x1234))
        return bytes + payload
    }

    /// `struct nlmsgerr`: the error, then the request's own nlmsghdr (16 B, here an RTM_NEWLINK).
    static func errorPayload(_ error: Int32) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendRaw(error)
        return bytes + [0x3c, 0, 0, 0, 0x10, 0, 0x05, 0x06, 0x01, 0, 0, 0, 0x34, 0x12, 0, 0]
    }

    /// An ACK (`NLMSG_ERROR` with error 0) for request `sequence`.
    static func ack(_ sequence: UInt32) -> [UInt8] {
        message(type: 2, sequence: sequence, payload: errorPayload(0))
    }

    /// A failure (`NLMSG_ERROR` with `-errno`) for request `sequence`.
    static func failure(_ errno: Int32, _ sequence: UInt32) -> [UInt8] {
        message(type: 2, sequence: sequence, payload: errorPayload(-errno))
    }

    /// `NLMSG_DONE` (status 0) ending dump `sequence`.
    static func done(_ sequence: UInt32) -> [UInt8] {
        message(type: 3, flags: 2, sequence: sequence, payload: [0, 0, 0, 0])
    }

    /// `newLinkReply` answering request `sequence`, with extra `flags` bits.
    static func newLink(_ sequence: UInt32, flags: UInt16 = 0x02) -> [UInt8] {
        var bytes = newLinkReply
        bytes.withUnsafeMutableBytes {
            $0.storeBytes(of: flags, toByteOffset: 6, as: UInt16.self)
            $0.storeBytes(of: sequence, toByteOffset: 8, as: UInt32.self)
        }
        return bytes
    }

    /// A hand-made `RTM_NEWLINK` reply for bridge "br-odd", index 7, as one dump entry.
    static let newLinkReply: [UInt8] = [
        // nlmsghdr (16 B): len 104, RTM_NEWLINK (16), NLM_F_MULTI, seq 3, pid 0x1234
        0x68, 0x00, 0x00, 0x00, 0x10, 0x00, 0x02, 0x00, 0x03, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00,
        // ifinfomsg (16 B): AF_UNSPEC, pad, ARPHRD_ETHER, index 7, IFF_UP|IFF_BROADCAST|IFF_MULTICAST, change 0
        0x00, 0x00, 0x01, 0x00, 0x07, 0x00, 0x00, 0x00, 0x03, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // IFLA_IFNAME (12 B): len 11, type 3, "br-odd\0", 1 B padding
        0x0b, 0x00, 0x03, 0x00, 0x62, 0x72, 0x2d, 0x6f, 0x64, 0x64, 0x00, 0x00,
        // IFLA_MTU (8 B): len 8, type 4, 1400
        0x08, 0x00, 0x04, 0x00, 0x78, 0x05, 0x00, 0x00,
        // IFLA_ADDRESS (12 B): len 10, type 1, 02:42:ac:12:00:01, 2 B padding
        0x0a, 0x00, 0x01, 0x00, 0x02, 0x42, 0xac, 0x12, 0x00, 0x01, 0x00, 0x00,
        // IFLA_IFALIAS (12 B): len 10, type 20, "berth\0", 2 B padding
        0x0a, 0x00, 0x14, 0x00, 0x62, 0x65, 0x72, 0x74, 0x68, 0x00, 0x00, 0x00,
        // IFLA_LINKINFO (28 B): len 28, type 18 | NLA_F_NESTED
        0x1c, 0x00, 0x12, 0x80,
        //   IFLA_INFO_KIND (12 B): len 11, type 1, "bridge\0", 1 B padding
        0x0b, 0x00, 0x01, 0x00, 0x62, 0x72, 0x69, 0x64, 0x67, 0x65, 0x00, 0x00,
        //   IFLA_INFO_DATA (12 B): len 12, type 2 | NLA_F_NESTED
        0x0c, 0x00, 0x02, 0x80,
        //     IFLA_BR_STP_STATE (8 B): len 8, type 5, 0
        0x08, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]
}

private typealias Fixtures = NetlinkFixtures

@Suite("Netlink codec")
struct NetlinkCodecTests {
    @Test("create-bridge request: nlmsghdr, ifinfomsg, IFLA_IFNAME, nested IFLA_LINKINFO")
    func createBridgeRequest() throws {
        let bytes = try NetlinkRequest.createBridge(name: "br-odd").encoded(sequence: 1, portID: 0)
        let expected: [UInt8] = [
            // nlmsghdr (16 B): len 60, RTM_NEWLINK (16), NLM_F_REQUEST|ACK|EXCL|CREATE (0x605), seq 1, pid 0
            0x3c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // ifinfomsg (16 B): AF_UNSPEC, index 0 (look up by name), flags 0, change 0
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // IFLA_IFNAME (12 B): len 11, type 3, "br-odd\0", 1 B padding
            0x0b, 0x00, 0x03, 0x00, 0x62, 0x72, 0x2d, 0x6f, 0x64, 0x64, 0x00, 0x00,
            // IFLA_LINKINFO (16 B): len 16, type 18
            0x10, 0x00, 0x12, 0x00,
            //   IFLA_INFO_KIND (12 B): len 11, type 1, "bridge\0", 1 B padding
            0x0b, 0x00, 0x01, 0x00, 0x62, 0x72, 0x69, 0x64, 0x67, 0x65, 0x00, 0x00,
        ]
        #expect(bytes == expected)
    }

    @Test("add-address request for 172.18.0.1/16 carries IFA_LOCAL, IFA_ADDRESS and IFA_BROADCAST")
    func addIPv4AddressRequest() throws {
        let cidr = try #require(CIDR("172.18.0.1/16"))
        let bytes = try NetlinkRequest.addAddress(cidr, index: 5).encoded(sequence: 2, portID: 0x1234)
        let expected: [UInt8] = [
            // nlmsghdr (16 B): len 48, RTM_NEWADDR (20), NLM_F_REQUEST|ACK|EXCL|CREATE, seq 2, pid 0x1234
            0x30, 0x00, 0x00, 0x00, 0x14, 0x00, 0x05, 0x06, 0x02, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00,
            // ifaddrmsg (8 B): AF_INET, prefix 16, flags 0, RT_SCOPE_UNIVERSE, index 5
            0x02, 0x10, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
            // IFA_LOCAL (8 B): 172.18.0.1
            0x08, 0x00, 0x02, 0x00, 0xac, 0x12, 0x00, 0x01,
            // IFA_ADDRESS (8 B): 172.18.0.1
            0x08, 0x00, 0x01, 0x00, 0xac, 0x12, 0x00, 0x01,
            // IFA_BROADCAST (8 B): 172.18.255.255
            0x08, 0x00, 0x04, 0x00, 0xac, 0x12, 0xff, 0xff,
        ]
        #expect(bytes == expected)
    }

    @Test("IPv6 add-address request: IFA_ADDRESS only, IFA_F_NODAD, no broadcast")
    func addIPv6AddressRequest() throws {
        let cidr = try #require(CIDR("fd00::1/64"))
        let bytes = try NetlinkRequest.addAddress(cidr, index: 5).encoded(sequence: 3, portID: 0)
        let expected: [UInt8] = [
            // nlmsghdr (16 B): len 44, RTM_NEWADDR, NLM_F_REQUEST|ACK|EXCL|CREATE, seq 3, pid 0
            0x2c, 0x00, 0x00, 0x00, 0x14, 0x00, 0x05, 0x06, 0x03, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // ifaddrmsg (8 B): AF_INET6 (10), prefix 64, IFA_F_NODAD, RT_SCOPE_UNIVERSE, index 5
            0x0a, 0x40, 0x02, 0x00, 0x05, 0x00, 0x00, 0x00,
            // IFA_ADDRESS (20 B): fd00::1
            0x14, 0x00, 0x01, 0x00, 0xfd, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        ]
        #expect(bytes == expected)
    }

    @Test("no IFA_BROADCAST on /31 and /32")
    func noBroadcastOnPointToPoint() throws {
        for text in ["10.0.0.0/31", "10.0.0.1/32"] {
            let cidr = try #require(CIDR(text))
            let request = try NetlinkRequest.addAddress(cidr, index: 2)
            #expect(request.attributes.map(\.type) == [2, 1])  // IFA_LOCAL, IFA_ADDRESS
        }
    }

    @Test("set-link-up request: RTM_SETLINK with IFF_UP in ifi_flags and ifi_change")
    func setLinkUpRequest() throws {
        let bytes = try NetlinkRequest.setLinkUp(name: "br0").encoded(sequence: 9, portID: 0)
        let expected: [UInt8] = [
            // nlmsghdr (16 B): len 40, RTM_SETLINK (19), NLM_F_REQUEST|ACK, seq 9, pid 0
            0x28, 0x00, 0x00, 0x00, 0x13, 0x00, 0x05, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // ifinfomsg (16 B): AF_UNSPEC, index 0, flags IFF_UP, change IFF_UP
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
            // IFLA_IFNAME (8 B): len 8, type 3, "br0\0" (no padding needed)
            0x08, 0x00, 0x03, 0x00, 0x62, 0x72, 0x30, 0x00,
        ]
        #expect(bytes == expected)
    }

    @Test("veth request nests the peer's ifinfomsg and name under VETH_INFO_PEER")
    func createVethRequest() throws {
        let request = try NetlinkRequest.createVeth(name: "va", peerName: "vb", mtu: 1400)
        let bytes = try request.encoded(sequence: 1, portID: 0)
        let messages = try NetlinkMessage.parse(datagram: bytes)
        #expect(messages.count == 1)
        let attributes = try NetlinkAttribute.parse(Array(messages[0].payload.dropFirst(16)))
        #expect(attributes.attribute(3)?.stringValue == "va")  // IFLA_IFNAME
        #expect(try attributes.attribute(4)?.uint32Value() == 1400)  // IFLA_MTU
        let linkInfo = try #require(attributes.attribute(18)).nestedAttributes()
        #expect(linkInfo.attribute(1)?.stringValue == "veth")  // IFLA_INFO_KIND
        let data = try #require(linkInfo.attribute(2)).nestedAttributes()  // IFLA_INFO_DATA
        let peer = try #require(data.attribute(1))  // VETH_INFO_PEER
        #expect(peer.payload.prefix(16).allSatisfy { $0 == 0 })  // ifinfomsg
        let peerAttributes = try peer.nestedAttributes(afterHeader: 16)
        #expect(peerAttributes.attribute(3)?.stringValue == "vb")
        #expect(try peerAttributes.attribute(4)?.uint32Value() == 1400)
    }

    @Test("odd-length attributes are padded to 4 bytes; rta_len excludes the padding")
    func oddLengthAlignment() throws {
        for length in 0...9 {
            let attribute = NetlinkAttribute(type: 7, payload: Array(repeating: 0xaa, count: length))
            var bytes: [UInt8] = []
            attribute.encode(into: &bytes)
            #expect(bytes.count % 4 == 0)
            #expect(bytes.count == (4 + length + 3) / 4 * 4)
            #expect(bytes.loadRaw(UInt16.self) == UInt16(4 + length))
            #expect(bytes.dropFirst(4 + length).allSatisfy { $0 == 0 })
            // Two in a row: the second starts on the aligned boundary and parses back.
            attribute.encode(into: &bytes)
            #expect(try NetlinkAttribute.parse(bytes) == [attribute, attribute])
        }
    }

    @Test("names, aliases and MTUs the kernel would refuse are refused before sending")
    func invalidArguments() {
        for name in ["", "a-name-of-16-byt", ".", "..", "a/b", "a:b", "a b", "a\tb"] {
            #expect(throws: NetlinkError.self) { try NetlinkRequest.createBridge(name: name) }
        }
        #expect(throws: NetlinkError.self) { try NetlinkRequest.setMTU(name: "br0", mtu: 0) }
        #expect(throws: NetlinkError.self) { try NetlinkRequest.setMTU(name: "br0", mtu: -1) }
        #expect(throws: NetlinkError.self) { try NetlinkRequest.setAlias(name: "br0", alias: String(repeating: "x", count: 256)) }
        #expect(throws: Never.self) { try NetlinkRequest.createBridge(name: "a-name-of-15-by") }
    }

    @Test("NLMSG_ERROR with a negative error is an errno reply")
    func errnoReply() throws {
        let bytes: [UInt8] = [
            // nlmsghdr (16 B): len 36, NLMSG_ERROR (2), flags 0, seq 1, pid 0x1234
            0x24, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00,
            // nlmsgerr.error (4 B): -17 (EEXIST)
            0xef, 0xff, 0xff, 0xff,
            // nlmsgerr.msg (16 B): the request's nlmsghdr (RTM_NEWLINK, seq 1)
            0x3c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x01, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00,
        ]
        let messages = try NetlinkMessage.parse(datagram: bytes)
        #expect(messages.count == 1)
        #expect(messages[0].type == .NLMSG_ERROR)
        #expect(messages[0].sequence == 1)
        #expect(messages[0].portID == 0x1234)
        #expect(try messages[0].reply() == .error(errno: EEXIST))
    }

    @Test("NLMSG_ERROR with error 0 is an ACK")
    func ackReply() throws {
        let bytes: [UInt8] = [
            // nlmsghdr (16 B): len 36, NLMSG_ERROR (2), flags NLM_F_CAPPED (0x100), seq 1, pid 0x1234
            0x24, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00,
            // nlmsgerr.error (4 B): 0
            0x00, 0x00, 0x00, 0x00,
            // nlmsgerr.msg (16 B): the request's nlmsghdr
            0x3c, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x01, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00,
        ]
        #expect(try NetlinkMessage.parse(datagram: bytes).map { try $0.reply() } == [.ack])
    }

    @Test("RTM_NEWLINK with nested IFLA_LINKINFO decodes into LinkInfo")
    func newLinkReplyDecodes() throws {
        let messages = try NetlinkMessage.parse(datagram: Fixtures.newLinkReply + Fixtures.done(3))
        #expect(messages.map(\.type) == [.RTM_NEWLINK, .NLMSG_DONE])
        #expect(try messages[1].reply() == .done(errno: nil))
        let link = try LinkInfo(message: messages[0])
        #expect(link.index == 7)
        #expect(link.name == "br-odd")
        #expect(link.kind == "bridge")
        #expect(link.alias == "berth")
        #expect(link.mtu == 1400)
        #expect(link.isUp)
        #expect(link.flags == [.IFF_UP, .IFF_BROADCAST, .IFF_MULTICAST])
        #expect(link.masterIndex == nil)
        #expect(link.mac == MACAddress("02:42:ac:12:00:01"))
    }

    @Test("RTM_NEWADDR decodes into AddressInfo, IFA_LOCAL first")
    func newAddressReplyDecodes() throws {
        let payload: [UInt8] = [
            // ifaddrmsg (8 B): AF_INET, prefix 24, flags IFA_F_PERMANENT, scope 0, index 7
            0x02, 0x18, 0x80, 0x00, 0x07, 0x00, 0x00, 0x00,
            // IFA_ADDRESS (8 B): 10.99.0.2 (the peer on a point-to-point link)
            0x08, 0x00, 0x01, 0x00, 0x0a, 0x63, 0x00, 0x02,
            // IFA_LOCAL (8 B): 10.99.0.1
            0x08, 0x00, 0x02, 0x00, 0x0a, 0x63, 0x00, 0x01,
            // IFA_LABEL (8 B): "br0\0"
            0x08, 0x00, 0x03, 0x00, 0x62, 0x72, 0x30, 0x00,
        ]
        let parsed = try NetlinkMessage.parse(datagram: Fixtures.message(type: 20, flags: 2, sequence: 1, payload: payload))
        let address = try #require(try AddressInfo(message: parsed[0]))
        #expect(address == AddressInfo(index: 7, cidr: try #require(CIDR("10.99.0.1/24"))))
    }

    @Test("garbage and truncated input throws, never traps")
    func garbageThrows() throws {
        func parsed(type: UInt16, _ payload: [UInt8]) throws -> NetlinkMessage {
            let messages = try NetlinkMessage.parse(datagram: Fixtures.message(type: type, sequence: 1, payload: payload))
            return try #require(messages.first)
        }
        #expect(throws: NetlinkError.self) { try NetlinkMessage.parse(datagram: [0x01, 0x02]) }
        // nlmsg_len smaller than the header (an endless loop if it were trusted).
        var tooShort = Fixtures.message(type: 16, sequence: 1, payload: [])
        tooShort[0] = 4
        #expect(throws: NetlinkError.self) { try NetlinkMessage.parse(datagram: tooShort) }
        // nlmsg_len beyond the datagram.
        #expect(throws: NetlinkError.self) { try NetlinkMessage.parse(datagram: Array(Fixtures.newLinkReply.prefix(60))) }
        // rta_len beyond what remains, and rta_len below the attribute header.
        #expect(throws: NetlinkError.self) { try NetlinkAttribute.parse([0x40, 0x00, 0x03, 0x00, 0x61, 0x00]) }
        #expect(throws: NetlinkError.self) { try NetlinkAttribute.parse([0x02, 0x00, 0x03, 0x00]) }
        // NLMSG_ERROR too short for nlmsgerr, or with a positive error.
        let shortError = try parsed(type: 2, [0xef, 0xff])
        #expect(throws: NetlinkError.self) { try shortError.reply() }
        let positiveError = try parsed(type: 2, Fixtures.errorPayload(5))
        #expect(throws: NetlinkError.self) { try positiveError.reply() }
        // RTM_NEWLINK shorter than ifinfomsg, or without a name.
        let short = try parsed(type: 16, [0, 0, 1, 0])
        #expect(throws: NetlinkError.self) { try LinkInfo(message: short) }
        let nameless = try parsed(type: 16, Array(repeating: 0, count: 16))
        #expect(throws: NetlinkError.self) { try LinkInfo(message: nameless) }
        // An IPv4 address attribute of 2 bytes.
        let badAddress = try parsed(type: 20, [2, 24, 0, 0, 7, 0, 0, 0, 0x06, 0x00, 0x02, 0x00, 0x0a, 0x63, 0, 0])
        #expect(throws: NetlinkError.self) { try AddressInfo(message: badAddress) }
    }

    @Test("every truncation of a valid reply, and random bytes, decode or throw without trapping")
    func truncationAndFuzz() {
        for length in 0..<Fixtures.newLinkReply.count {
            let truncated = Array(Fixtures.newLinkReply.prefix(length))
            if let messages = try? NetlinkMessage.parse(datagram: truncated) {
                for message in messages { _ = try? LinkInfo(message: message) }
            }
            // The same bytes presented as a complete message with a consistent header.
            if length >= 32 {
                var patched = truncated
                patched.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(length), as: UInt32.self) }
                if let messages = try? NetlinkMessage.parse(datagram: patched) {
                    for message in messages { _ = try? LinkInfo(message: message) }
                }
            }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2000 {
            let count = Int.random(in: 0...96, using: &generator)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            // Mostly-plausible headers reach deeper into the decoders.
            if count >= 16 {
                bytes.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(count), as: UInt32.self) }
                bytes[4] = [16, 20, 2, 3][Int.random(in: 0...3, using: &generator)]
                bytes[5] = 0
            }
            guard let messages = try? NetlinkMessage.parse(datagram: bytes) else { continue }
            for message in messages {
                _ = try? message.reply()
                _ = try? LinkInfo(message: message)
                _ = try? AddressInfo(message: message)
            }
        }
    }

    @Test("kernel errors read like the kernel's: operation, errno name and text")
    func errorDescriptions() {
        #expect(
            NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST).description
                == "netlink: RTM_NEWLINK failed, errno = EEXIST (File exists)")
        #expect(
            NetlinkError.kernel(operation: "RTM_DELLINK", errno: ENODEV).description
                == "netlink: RTM_DELLINK failed, errno = ENODEV (No such device)")
        #expect(NetlinkError.kernel(operation: "RTM_DELLINK", errno: ENODEV).errno == ENODEV)
        #expect(NetlinkError.kernel(operation: "X", errno: 4095).description.hasPrefix("netlink: X failed, errno = 4095 ("))
    }
}

#endif
