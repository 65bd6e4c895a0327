import BerthCore
import BerthDHCP
import Testing

/// The DHCP codec against bytes laid out by hand from RFC 2131/2132, and the lease an ACK gives.
@Suite struct DHCPMessageTests {
    static let mac = MACAddress("02:42:0a:00:00:07")!

    /// A BOOTREPLY as a server sends it: header, cookie, then `options` and the end marker.
    static func reply(xid: UInt32 = 0x1234_5678, yiaddr: [UInt8] = [192, 168, 7, 50], options: [UInt8]) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 236)
        b[0] = 2; b[1] = 1; b[2] = 6
        b[4] = UInt8(xid >> 24); b[5] = UInt8(xid >> 16 & 0xff); b[6] = UInt8(xid >> 8 & 0xff); b[7] = UInt8(xid & 0xff)
        for (i, v) in yiaddr.enumerated() { b[16 + i] = v }
        for (i, v) in mac.bytes.enumerated() { b[28 + i] = v }
        return b + [99, 130, 83, 99] + options + [255]
    }

    @Test func aDiscoverIsABroadcastBootRequestWithTheClientsMACAndItsOptions() {
        var m = DHCPMessage(kind: .discover, transactionID: 0xdead_beef, clientMAC: Self.mac)
        m.hostname = "web1"
        let b = m.encoded()
        #expect(b.count == 300)
        #expect(Array(b[0..<4]) == [1, 1, 6, 0])
        #expect(Array(b[4..<8]) == [0xde, 0xad, 0xbe, 0xef])
        #expect(Array(b[10..<12]) == [0x80, 0])
        #expect(Array(b[12..<16]) == [0, 0, 0, 0])
        #expect(Array(b[28..<34]) == Self.mac.bytes)
        #expect(Array(b[236..<240]) == [99, 130, 83, 99])
        #expect(Array(b[240..<243]) == [53, 1, 1])
        #expect(Array(b[243..<252]) == [61, 7, 1] + Self.mac.bytes)
        #expect(Array(b[252..<258]) == [12, 4] + Array("web1".utf8))
        #expect(Array(b[258..<266]) == [55, 6, 1, 3, 6, 51, 58, 59])
        #expect(b[266] == 255 && b[267...].allSatisfy { $0 == 0 })
    }

    @Test func aRenewingRequestIsUnicastFromTheLeasedAddress() {
        var m = DHCPMessage(kind: .request, transactionID: 7, clientMAC: Self.mac)
        m.clientAddress = IPv4Address(192, 168, 7, 50)
        m.broadcast = false
        m.serverID = IPv4Address(192, 168, 7, 1)
        let b = m.encoded()
        #expect(b[10] == 0)
        #expect(Array(b[12..<16]) == [192, 168, 7, 50])
        #expect(Array(b[252..<258]) == [54, 4, 192, 168, 7, 1])
    }

    @Test func anAckGivesALeaseWithItsPrefixRouterServerAndTimes() throws {
        let bytes = Self.reply(options: [
            53, 1, 5, 0, 1, 4, 255, 255, 255, 0, 3, 4, 192, 168, 7, 1, 6, 8, 192, 168, 7, 1, 9, 9, 9, 9,
            51, 4, 0, 0, 2, 88, 54, 4, 192, 168, 7, 254, 12, 3, 0x61, 0x62, 0x63,
        ])
        let m = try DHCPMessage.decode(bytes)
        #expect(m.kind == .ack && m.transactionID == 0x1234_5678 && m.clientMAC == Self.mac && !m.broadcast)
        #expect(m.hostname == "abc")
        let lease = try #require(DHCPLease(ack: m))
        #expect(lease.cidr.description == "192.168.7.50/24")
        #expect(lease.router == IPv4Address(192, 168, 7, 1) && lease.server == IPv4Address(192, 168, 7, 254))
        #expect(lease.dnsServers == [IPv4Address(192, 168, 7, 1), IPv4Address(9, 9, 9, 9)])
        #expect(lease.leaseTime == 600 && lease.renewalTime == 300)
    }

    @Test func anInfiniteLeaseIsRenewedDailyAndT1IsKeptWithinTheLease() throws {
        let infinite = try DHCPMessage.decode(Self.reply(options: [53, 1, 5, 51, 4, 255, 255, 255, 255, 54, 4, 10, 0, 0, 1]))
        #expect(DHCPLease(ack: infinite)?.leaseTime == 86_400)
        let t1 = try DHCPMessage.decode(Self.reply(options: [53, 1, 5, 51, 4, 0, 0, 0, 100, 58, 4, 0, 0, 1, 0, 54, 4, 10, 0, 0, 1]))
        #expect(DHCPLease(ack: t1)?.renewalTime == 100)
    }

    @Test func anOfferOrAnAckWithoutServerIsNoLease() throws {
        let offer = try DHCPMessage.decode(Self.reply(options: [53, 1, 2, 54, 4, 10, 0, 0, 1]))
        #expect(offer.kind == .offer && DHCPLease(ack: offer) == nil)
        let serverless = try DHCPMessage.decode(Self.reply(options: [53, 1, 5]))
        #expect(DHCPLease(ack: serverless) == nil)
    }

    @Test func bytesThatAreNoUsableReplyAreRefusedWithTheReason() {
        #expect(throws: DHCPMessage.DecodeError.tooShort(20)) { try DHCPMessage.decode([UInt8](repeating: 2, count: 20)) }
        var request = Self.reply(options: [53, 1, 5])
        request[0] = 1
        #expect(throws: DHCPMessage.DecodeError.notAReply) { try DHCPMessage.decode(request) }
        var cookie = Self.reply(options: [53, 1, 5])
        cookie[236] = 0
        #expect(throws: DHCPMessage.DecodeError.badCookie) { try DHCPMessage.decode(cookie) }
        #expect(throws: DHCPMessage.DecodeError.truncatedOption(51)) {
            try DHCPMessage.decode(Array(Self.reply(options: [53, 1, 5, 51, 4, 0, 0]).dropLast()))
        }
        #expect(throws: DHCPMessage.DecodeError.noMessageType) { try DHCPMessage.decode(Self.reply(options: [1, 4, 255, 255, 255, 0])) }
    }
}
