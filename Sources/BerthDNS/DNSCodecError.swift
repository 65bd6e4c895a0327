/// Why a DNS message could not be decoded or encoded.
public enum DNSCodecError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The input ended at `offset` while `needed` more bytes were expected.
    case truncated(offset: Int, needed: Int)
    /// A compression pointer at `offset` targets `target`, which is not strictly earlier in the message.
    case badPointer(offset: Int, target: Int)
    /// A label type other than a plain label or a pointer (0x40/0x80 prefixes).
    case badLabelType(offset: Int, byte: UInt8)
    /// A label longer than 63 bytes.
    case labelTooLong(length: Int)
    /// A name longer than 255 bytes in wire form.
    case nameTooLong
    /// A record's RDATA does not have the length its type requires.
    case badRecordLength(type: DNSType, length: Int)
    /// More than one OPT record, or an OPT record whose owner is not the root.
    case badOPT
    /// A name to encode contains an empty label (e.g. "a..b").
    case emptyLabel(name: String)

    public var description: String {
        switch self {
        case let .truncated(offset, needed): "dns: message truncated at offset \(offset), \(needed) more bytes needed"
        case let .badPointer(offset, target): "dns: compression pointer at \(offset) to \(target) is not backward"
        case let .badLabelType(offset, byte): "dns: unsupported label type 0x\(String(byte, radix: 16)) at \(offset)"
        case let .labelTooLong(length): "dns: label of \(length) bytes exceeds 63"
        case .nameTooLong: "dns: name exceeds 255 bytes"
        case let .badRecordLength(type, length): "dns: \(type) record with rdata length \(length)"
        case .badOPT: "dns: malformed or repeated OPT record"
        case let .emptyLabel(name): "dns: empty label in name \"\(name)\""
        }
    }
}
