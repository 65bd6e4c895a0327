/// A 48-bit Ethernet hardware address.
public struct MACAddress: Hashable, Sendable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }

    /// Parses `aa:bb:cc:dd:ee:ff` (either case).
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var b: [UInt8] = []
        for p in parts {
            guard p.count == 2, let v = UInt8(p, radix: 16) else { return nil }
            b.append(v)
        }
        bytes = b
    }

    /// The MAC dockerd 20.10 derives from an IPv4 address: `02:42` followed by the four octets.
    public static func derived(from ip: IPv4Address) -> MACAddress {
        MACAddress(bytes: [0x02, 0x42] + ip.bytes)!
    }

    /// A random unicast, locally administered address.
    public static func random() -> MACAddress {
        var g = SystemRandomNumberGenerator()
        var b = (0..<6).map { _ in UInt8.random(in: 0...255, using: &g) }
        b[0] = (b[0] & 0xfe) | 0x02
        return MACAddress(bytes: b)!
    }

    public var description: String {
        bytes.map { b in
            let h = String(b, radix: 16)
            return h.count == 1 ? "0" + h : h
        }.joined(separator: ":")
    }
}
