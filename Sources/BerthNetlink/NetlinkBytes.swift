/// Byte-level helpers shared by the codec. Netlink headers and attributes are in host byte
/// order (only address payloads are in network order), so loads and stores are native-endian.
enum NetlinkBytes {
    /// `NLMSG_ALIGNTO` and `RTA_ALIGNTO`: messages and attributes start on 4-byte boundaries.
    static let alignment = 4

    /// `NLMSG_ALIGN` / `RTA_ALIGN`: rounds `length` up to the next multiple of 4.
    static func aligned(_ length: Int) -> Int {
        (length + alignment - 1) & ~(alignment - 1)
    }
}

extension Array where Element == UInt8 {
    /// Appends the in-memory bytes of a plain C struct or integer (`nlmsghdr`, `ifinfomsg`, `UInt32`).
    mutating func appendRaw<T: BitwiseCopyable>(_ value: T) {
        Swift.withUnsafeBytes(of: value) { append(contentsOf: $0) }
    }

    /// Appends zero bytes up to the next 4-byte boundary.
    mutating func padToAlignment() {
        let padding = NetlinkBytes.aligned(count) - count
        if padding > 0 { append(contentsOf: repeatElement(0, count: padding)) }
    }

    /// Loads a plain C struct or integer at `offset`, or `nil` when it would run past the end.
    /// Netlink buffers carry no alignment guarantee for us, hence the unaligned load.
    func loadRaw<T: BitwiseCopyable>(_ type: T.Type, at offset: Int = 0) -> T? {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset <= count, count - offset >= size else { return nil }
        return withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: T.self) }
    }

    /// Bytes `offset..<offset+length` as a new array, or `nil` when out of bounds.
    func bytes(at offset: Int, length: Int) -> [UInt8]? {
        guard offset >= 0, length >= 0, offset <= count, count - offset >= length else { return nil }
        return Array(self[offset..<(offset + length)])
    }
}
