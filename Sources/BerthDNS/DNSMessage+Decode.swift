import BerthCore
import NIOCore

extension DNSMessage {
    /// Decodes a message from raw bytes. Never traps on malformed input: every failure is a `DNSCodecError`.
    public init(decoding bytes: [UInt8]) throws(DNSCodecError) {
        // withUnsafeBytes is `rethrows` (untyped), so carry the typed error out in a Result.
        self = try bytes.withUnsafeBytes { DNSReader.decode($0) }.get()
    }

    /// Decodes a message from the readable bytes of `buffer` without copying them.
    public init(decoding buffer: ByteBuffer) throws(DNSCodecError) {
        self = try buffer.withUnsafeReadableBytes { DNSReader.decode($0) }.get()
    }
}

/// A bounds-checked cursor over one message; every read throws `truncated` instead of trapping.
/// It only lives inside a `withUnsafeBytes` closure, so the pointer never escapes.
struct DNSReader {
    let bytes: UnsafeRawBufferPointer
    var offset = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    static func decode(_ raw: UnsafeRawBufferPointer) -> Result<DNSMessage, DNSCodecError> {
        var reader = DNSReader(bytes: raw)
        do throws(DNSCodecError) {
            return .success(try reader.readMessage())
        } catch {
            return .failure(error)
        }
    }

    mutating func need(_ n: Int) throws(DNSCodecError) {
        if bytes.count - offset < n { throw .truncated(offset: offset, needed: n - (bytes.count - offset)) }
    }

    mutating func u8() throws(DNSCodecError) -> UInt8 {
        try need(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16() throws(DNSCodecError) -> UInt16 {
        try need(2)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32() throws(DNSCodecError) -> UInt32 {
        try need(4)
        defer { offset += 4 }
        return UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
            | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
    }

    mutating func slice(_ n: Int) throws(DNSCodecError) -> [UInt8] {
        try need(n)
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    /// Reads a possibly compressed name. Pointers must go strictly backward, which rules out loops.
    mutating func name() throws(DNSCodecError) -> String {
        var text = ""
        var wireLength = 1  // the terminating root label
        var cursor = offset
        var lowestJump = offset
        var jumped = false
        while true {
            guard cursor < bytes.count else { throw .truncated(offset: cursor, needed: 1) }
            let length = bytes[cursor]
            switch length & 0xC0 {
            case 0x00:
                if length == 0 {
                    if !jumped { offset = cursor + 1 }
                    return text
                }
                let count = Int(length)
                guard cursor + 1 + count <= bytes.count else {
                    throw .truncated(offset: cursor + 1, needed: cursor + 1 + count - bytes.count)
                }
                wireLength += count + 1
                if wireLength > 255 { throw .nameTooLong }
                if !text.isEmpty { text.append(".") }
                text.append(String(decoding: bytes[(cursor + 1)..<(cursor + 1 + count)], as: UTF8.self))
                cursor += 1 + count
            case 0xC0:
                guard cursor + 1 < bytes.count else { throw .truncated(offset: cursor + 1, needed: 1) }
                let target = Int(length & 0x3F) << 8 | Int(bytes[cursor + 1])
                guard target < lowestJump else { throw .badPointer(offset: cursor, target: target) }
                if !jumped { offset = cursor + 2 }
                jumped = true
                lowestJump = target
                cursor = target
            default:
                throw .badLabelType(offset: cursor, byte: length)
            }
        }
    }

    mutating func readMessage() throws(DNSCodecError) -> DNSMessage {
        // header (12 B): id, flags, qdcount, ancount, nscount, arcount
        let id = try u16()
        let flags = try u16()
        let qd = Int(try u16()), an = Int(try u16()), ns = Int(try u16()), ar = Int(try u16())
        var message = DNSMessage(
            id: id, isResponse: flags & 0x8000 != 0, opcode: UInt8((flags >> 11) & 0xF),
            authoritative: flags & 0x0400 != 0, truncated: flags & 0x0200 != 0,
            recursionDesired: flags & 0x0100 != 0, recursionAvailable: flags & 0x0080 != 0,
            authenticData: flags & 0x0020 != 0, checkingDisabled: flags & 0x0010 != 0,
            responseCode: DNSResponseCode(rawValue: flags & 0xF))
        // Each question needs at least 5 bytes and each record 11: reject absurd counts before reserving.
        try need(qd * 5 + (an + ns + ar) * 11)
        message.questions.reserveCapacity(qd)
        for _ in 0..<qd {
            let name = try name()
            message.questions.append(DNSQuestion(name: name, type: DNSType(rawValue: try u16()),
                                                 class: DNSClass(rawValue: try u16())))
        }
        message.answers = try records(an, edns: &message.edns)
        message.authority = try records(ns, edns: &message.edns)
        message.additional = try records(ar, edns: &message.edns)
        return message
    }

    mutating func records(_ count: Int, edns: inout DNSEDNS?) throws(DNSCodecError) -> [DNSResourceRecord] {
        var result: [DNSResourceRecord] = []
        result.reserveCapacity(count)
        for _ in 0..<count {
            let name = try name()
            let type = DNSType(rawValue: try u16())
            let klass = try u16()
            let ttl = try u32()
            let length = Int(try u16())
            try need(length)
            let end = offset + length
            if type == .OPT {
                guard edns == nil, name.isEmpty else { throw .badOPT }
                edns = DNSEDNS(udpPayloadSize: klass, extendedRCode: UInt8(ttl >> 24), version: UInt8((ttl >> 16) & 0xFF),
                               dnssecOK: ttl & 0x8000 != 0, options: try slice(length))
                continue
            }
            let data = try rdata(type: type, length: length)
            guard offset == end else { throw .badRecordLength(type: type, length: length) }
            result.append(DNSResourceRecord(name: name, type: type, class: DNSClass(rawValue: klass), ttl: ttl, data: data))
        }
        return result
    }

    mutating func rdata(type: DNSType, length: Int) throws(DNSCodecError) -> DNSRecordData {
        switch type {
        case .A:
            guard length == 4 else { throw .badRecordLength(type: type, length: length) }
            return .a(IPv4Address(try u32()))
        case .AAAA:
            guard length == 16 else { throw .badRecordLength(type: type, length: length) }
            let high = UInt128(try u32()) << 96 | UInt128(try u32()) << 64
            return .aaaa(IPv6Address(high | UInt128(try u32()) << 32 | UInt128(try u32())))
        case .PTR:
            return .ptr(try name())
        case .CNAME:
            return .cname(try name())
        case .SRV:
            guard length >= 7 else { throw .badRecordLength(type: type, length: length) }
            return .srv(priority: try u16(), weight: try u16(), port: try u16(), target: try name())
        default:
            return .raw(try slice(length))
        }
    }
}
