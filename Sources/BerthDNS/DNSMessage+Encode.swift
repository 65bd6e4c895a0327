import BerthCore
import NIOCore

extension DNSMessage {
    /// Encodes the message with name compression (RFC 1035 §4.1.4).
    public func encoded() throws(DNSCodecError) -> [UInt8] {
        var writer = DNSWriter()
        try writer.write(self)
        return writer.bytes
    }

    /// Encodes into a `ByteBuffer` (one copy of the encoded bytes).
    public func encoded(allocator: ByteBufferAllocator) throws(DNSCodecError) -> ByteBuffer {
        let bytes = try encoded()
        var buffer = allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    var headerFlags: UInt16 {
        var flags = UInt16(opcode & 0xF) << 11 | (responseCode.rawValue & 0xF)
        if isResponse { flags |= 0x8000 }
        if authoritative { flags |= 0x0400 }
        if truncated { flags |= 0x0200 }
        if recursionDesired { flags |= 0x0100 }
        if recursionAvailable { flags |= 0x0080 }
        if authenticData { flags |= 0x0020 }
        if checkingDisabled { flags |= 0x0010 }
        return flags
    }
}

/// Writes a message, remembering where each name suffix was written so later names can point to it.
struct DNSWriter {
    var bytes: [UInt8] = []
    /// Lower-cased name suffix → offset; only offsets < 0x4000 are pointer targets.
    private var suffixes: [String: UInt16] = [:]

    init() { bytes.reserveCapacity(512) }

    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xFFFF)) }

    mutating func name(_ name: String) throws(DNSCodecError) {
        var text = Substring(name)
        if text.hasSuffix(".") { text = text.dropLast() }
        if text.isEmpty { bytes.append(0); return }
        if text.utf8.count + 2 > 255 { throw .nameTooLong }
        while !text.isEmpty {
            let key = text.lowercased()
            if let target = suffixes[key] {
                u16(0xC000 | target)
                return
            }
            if bytes.count < 0x4000 { suffixes[key] = UInt16(bytes.count) }
            let label: Substring
            if let dot = text.firstIndex(of: ".") {
                label = text[..<dot]
                text = text[text.index(after: dot)...]
                if text.isEmpty { throw .emptyLabel(name: name) }
            } else {
                label = text
                text = ""
            }
            let count = label.utf8.count
            if count == 0 { throw .emptyLabel(name: name) }
            if count > 63 { throw .labelTooLong(length: count) }
            bytes.append(UInt8(count))
            bytes.append(contentsOf: label.utf8)
        }
        bytes.append(0)
    }

    mutating func write(_ m: DNSMessage) throws(DNSCodecError) {
        // header (12 B)
        u16(m.id)
        u16(m.headerFlags)
        u16(UInt16(truncatingIfNeeded: m.questions.count))
        u16(UInt16(truncatingIfNeeded: m.answers.count))
        u16(UInt16(truncatingIfNeeded: m.authority.count))
        u16(UInt16(truncatingIfNeeded: m.additional.count + (m.edns == nil ? 0 : 1)))
        for q in m.questions {
            try name(q.name)
            u16(q.type.rawValue)
            u16(q.class.rawValue)
        }
        for r in m.answers { try record(r) }
        for r in m.authority { try record(r) }
        for r in m.additional { try record(r) }
        if let edns = m.edns {
            // OPT (RFC 6891 §6.1.2): root owner, CLASS = payload size, TTL = ext-rcode|version|DO|Z.
            bytes.append(0)
            u16(DNSType.OPT.rawValue)
            u16(edns.udpPayloadSize)
            u32(UInt32(edns.extendedRCode) << 24 | UInt32(edns.version) << 16 | (edns.dnssecOK ? 0x8000 : 0))
            u16(UInt16(truncatingIfNeeded: edns.options.count))
            bytes.append(contentsOf: edns.options)
        }
    }

    mutating func record(_ r: DNSResourceRecord) throws(DNSCodecError) {
        try name(r.name)
        u16(r.type.rawValue)
        u16(r.class.rawValue)
        u32(r.ttl)
        let lengthAt = bytes.count
        u16(0)
        switch r.data {
        case let .a(address): u32(address.value)
        case let .aaaa(address): bytes.append(contentsOf: address.bytes)
        case let .ptr(target), let .cname(target): try name(target)
        case let .srv(priority, weight, port, target):
            u16(priority); u16(weight); u16(port)
            // RFC 2782: the SRV target must not be compressed.
            let saved = suffixes
            suffixes = [:]
            try name(target)
            suffixes = saved
        case let .raw(data): bytes.append(contentsOf: data)
        }
        let length = bytes.count - lengthAt - 2
        guard length <= 0xFFFF else { throw .badRecordLength(type: r.type, length: length) }
        bytes[lengthAt] = UInt8(length >> 8)
        bytes[lengthAt + 1] = UInt8(length & 0xFF)
    }
}
