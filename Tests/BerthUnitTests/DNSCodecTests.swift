import BerthCore
import NIOCore
import Testing

@testable import BerthDNS

@Suite("DNS wire codec")
struct DNSCodecTests {
    static let query: [UInt8] = [
        // header (12 B): id 0x1234, flags 0x0100 (RD), qd 1, an 0, ns 0, ar 0
        0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        // question: 7 "example" 3 "com" 0 (13 B), type A (1), class IN (1)
        0x07, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0x03, 0x63, 0x6F, 0x6D, 0x00,
        0x00, 0x01, 0x00, 0x01,
    ]

    static let response: [UInt8] = [
        // header (12 B): id 0x1234, flags 0x8180 (QR RD RA, NOERROR), qd 1, an 1, ns 0, ar 1
        0x12, 0x34, 0x81, 0x80, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01,
        // question (17 B) at offset 12
        0x07, 0x65, 0x78, 0x61, 0x6D, 0x70, 0x6C, 0x65, 0x03, 0x63, 0x6F, 0x6D, 0x00,
        0x00, 0x01, 0x00, 0x01,
        // answer: name = pointer to offset 12, type A, class IN, TTL 600, rdlength 4, 93.184.216.34
        0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x58, 0x00, 0x04, 93, 184, 216, 34,
        // additional: OPT, root owner, payload 4096, ext-rcode 0, version 0, DO clear, rdlength 0
        0x00, 0x00, 0x29, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ]

    @Test func decodesQueryFixture() throws {
        let m = try DNSMessage(decoding: Self.query)
        #expect(m.id == 0x1234)
        #expect(!m.isResponse && m.recursionDesired)
        #expect(m.questions == [DNSQuestion(name: "example.com", type: .A)])
        #expect(m.edns == nil)
    }

    @Test func encodesQueryFixture() throws {
        #expect(try DNSMessage.query(id: 0x1234, name: "example.com", type: .A).encoded() == Self.query)
    }

    @Test func responseFixtureRoundTripsWithCompression() throws {
        let m = try DNSMessage(decoding: Self.response)
        #expect(m.isResponse && m.recursionAvailable && m.responseCode == .noError)
        #expect(m.answers == [DNSResourceRecord(name: "example.com", type: .A, ttl: 600,
                                                data: .a(IPv4Address(93, 184, 216, 34)))])
        #expect(m.edns == DNSEDNS(udpPayloadSize: 4096))
        #expect(m.additional.isEmpty)
        #expect(try m.encoded() == Self.response)
    }

    @Test func decodesFromByteBufferSlice() throws {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        buffer.writeBytes([0xAA, 0xBB])  // junk before the message
        buffer.writeBytes(Self.query)
        buffer.moveReaderIndex(forwardBy: 2)
        #expect(try DNSMessage(decoding: buffer).questions.first?.name == "example.com")
    }

    @Test func allRecordTypesRoundTrip() throws {
        let v6 = try #require(IPv6Address("fd00::1"))
        var m = DNSMessage(id: 7, isResponse: true, questions: [DNSQuestion(name: "svc.net", type: .ANY)])
        m.answers = [
            DNSResourceRecord(name: "svc.net", type: .A, ttl: 1, data: .a(IPv4Address(10, 0, 0, 1))),
            DNSResourceRecord(name: "svc.net", type: .AAAA, ttl: 2, data: .aaaa(v6)),
            DNSResourceRecord(name: "1.0.0.10.in-addr.arpa", type: .PTR, ttl: 3, data: .ptr("svc.net")),
            DNSResourceRecord(name: "www.svc.net", type: .CNAME, ttl: 4, data: .cname("svc.net")),
            DNSResourceRecord(name: "_http._tcp.svc.net", type: .SRV, ttl: 5,
                              data: .srv(priority: 1, weight: 2, port: 80, target: "svc.net")),
            DNSResourceRecord(name: "svc.net", type: .TXT, ttl: 6, data: .raw([3, 0x61, 0x62, 0x63])),
        ]
        m.authority = [DNSResourceRecord(name: "net", type: .NS, ttl: 7, data: .raw([0]))]
        m.edns = DNSEDNS(udpPayloadSize: 1232, extendedRCode: 1, version: 0, dnssecOK: true, options: [0, 10, 0, 0])
        #expect(try DNSMessage(decoding: m.encoded()) == m)
        #expect(m.extendedResponseCode.rawValue == 16)
    }

    @Test func compressionShrinksRepeatedNames() throws {
        var m = DNSMessage(id: 1, isResponse: true, questions: [DNSQuestion(name: "a.very.long.domain.example", type: .A)])
        m.answers = (0..<10).map { i in
            DNSResourceRecord(name: "A.VERY.long.domain.example", type: .A, ttl: 600, data: .a(IPv4Address(10, 0, 0, UInt8(i))))
        }
        let bytes = try m.encoded()
        // header 12 + question (28 + 4) + 10 answers × (2-byte pointer + 10 + 4)
        #expect(bytes.count == 12 + 32 + 10 * 16)
    }

    @Test func rejectsPointerLoopsAndForwardPointers() {
        let header: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        // pointer at offset 12 to itself
        #expect(throws: DNSCodecError.badPointer(offset: 12, target: 12)) {
            try DNSMessage(decoding: header + [0xC0, 0x0C, 0, 1, 0, 1])
        }
        // label "a" then a pointer back to the label: a loop through an earlier target
        #expect(throws: DNSCodecError.self) {
            try DNSMessage(decoding: header + [0x01, 0x61, 0xC0, 0x0C, 0, 1, 0, 1])
        }
        // pointer beyond the end of the message
        #expect(throws: DNSCodecError.badPointer(offset: 12, target: 0x3FFF)) {
            try DNSMessage(decoding: header + [0xFF, 0xFF, 0, 1, 0, 1])
        }
        // 0x40 extended label type
        #expect(throws: DNSCodecError.badLabelType(offset: 12, byte: 0x41)) {
            try DNSMessage(decoding: header + [0x41, 0, 0, 1, 0, 1])
        }
    }

    @Test func enforcesNameAndLabelLimits() {
        let header: [UInt8] = [0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0]
        let label = [UInt8(63)] + [UInt8](repeating: 0x61, count: 63)
        // 5 labels of 63 = 320 bytes > 255
        #expect(throws: DNSCodecError.nameTooLong) {
            try DNSMessage(decoding: header + Array([[UInt8]](repeating: label, count: 5).joined()) + [0, 0, 1, 0, 1])
        }
        #expect(throws: DNSCodecError.labelTooLong(length: 64)) {
            try DNSMessage.query(id: 1, name: String(repeating: "a", count: 64) + ".com", type: .A).encoded()
        }
        #expect(throws: DNSCodecError.emptyLabel(name: "a..b")) {
            try DNSMessage.query(id: 1, name: "a..b", type: .A).encoded()
        }
    }

    @Test func rejectsBadRecordLengthsAndRepeatedOPT() throws {
        var bytes = Self.response
        bytes[40] = 5  // rdlength low byte (offset 40): the A record claims 5 bytes
        #expect(throws: DNSCodecError.self) { try DNSMessage(decoding: bytes) }
        var twoOPT = Self.response + [0x00, 0x00, 0x29, 0x10, 0x00, 0, 0, 0, 0, 0, 0]
        twoOPT[11] = 2
        #expect(throws: DNSCodecError.badOPT) { try DNSMessage(decoding: twoOPT) }
    }

    @Test func everyTruncationThrows() {
        for length in 0..<Self.response.count {
            #expect(throws: DNSCodecError.self) { try DNSMessage(decoding: Array(Self.response.prefix(length))) }
        }
    }

    @Test func hugeCountsInTinyMessageThrowQuickly() {
        // header claiming 65535 of everything, no body
        #expect(throws: DNSCodecError.self) {
            try DNSMessage(decoding: [0, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        }
    }

    @Test func randomInputNeverTraps() {
        var rng = DNSFuzzRandom(seed: 0xBE27)
        var decoded = 0
        for _ in 0..<20_000 {
            let count = Int(rng.next() % 96)
            var bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if count >= 12, rng.next() % 2 == 0 {
                // plausible small counts so the fuzz reaches names and records
                bytes[4] = 0; bytes[5] = UInt8(rng.next() % 3)
                bytes[6] = 0; bytes[7] = UInt8(rng.next() % 3)
                bytes[8] = 0; bytes[9] = 0; bytes[10] = 0; bytes[11] = UInt8(rng.next() % 2)
            }
            if (try? DNSMessage(decoding: bytes)) != nil { decoded += 1 }
        }
        // Mutations of a valid message too.
        for _ in 0..<20_000 {
            var bytes = Self.response
            for _ in 0..<(1 + rng.next() % 4) {
                bytes[Int(rng.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: rng.next())
            }
            if let m = try? DNSMessage(decoding: bytes) { _ = try? m.encoded() }
        }
        #expect(decoded >= 0)
    }
}

/// A small deterministic generator so fuzz failures reproduce.
struct DNSFuzzRandom: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
