#if canImport(Glibc)
import Glibc
#endif

/// An IPv6 address, stored as a host-order 128-bit integer.
public struct IPv6Address: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: UInt128

    public init(_ value: UInt128) { self.value = value }

    /// Parses RFC 4291 text (with `::` compression and an embedded dotted quad). Zones are refused.
    public init?(_ text: some StringProtocol) {
        let s = String(text)
        guard s.contains(":"), !s.contains("%") else { return nil }
        var raw = in6_addr()
        let ok = s.withCString { inet_pton(AF_INET6, $0, &raw) }
        guard ok == 1 else { return nil }
        let bytes = withUnsafeBytes(of: raw) { Array($0) }
        self.init(bytes: bytes)
    }

    /// Builds an address from 16 network-order bytes.
    public init(bytes: [UInt8]) {
        var v: UInt128 = 0
        for b in bytes.prefix(16) { v = v << 8 | UInt128(b) }
        value = v
    }

    /// The 16 octets in network order.
    public var bytes: [UInt8] {
        (0..<16).map { UInt8(truncatingIfNeeded: value >> (8 * (15 - UInt128($0)))) }
    }

    /// RFC 5952 canonical text, as Go and the docker CLI print it.
    public var description: String {
        var raw = in6_addr()
        let b = bytes
        withUnsafeMutableBytes(of: &raw) { dst in
            for i in 0..<16 { dst[i] = b[i] }
        }
        var buf = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &raw, &buf, socklen_t(buf.count)) != nil else { return "::" }
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func < (l: Self, r: Self) -> Bool { l.value < r.value }
}
