/// An address with a prefix length, such as `172.18.0.0/16` or `fd00::/64`.
///
/// `address` keeps what was written (an interface address keeps its host part); use
/// `network` for the masked prefix.
public struct CIDR: Hashable, Sendable, CustomStringConvertible {
    public var address: IPAddress
    public var prefixLength: Int

    public init(address: IPAddress, prefixLength: Int) {
        self.address = address
        self.prefixLength = prefixLength
    }

    /// Parses `addr/len`; a missing or out-of-range length is refused, as Go's ParseCIDR does.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let addr = IPAddress(parts[0]),
            !parts[1].isEmpty, parts[1].utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            parts[1].utf8.count <= 3, let len = Int(parts[1]), len <= addr.family.bits
        else { return nil }
        self.init(address: addr, prefixLength: len)
    }

    public var family: IPFamily { address.family }

    /// The mask as an integer of the family's width.
    public var maskValue: UInt128 {
        let bits = family.bits
        if prefixLength == 0 { return 0 }
        let ones: UInt128 = bits == 128 ? UInt128.max : (UInt128(1) << bits) - 1
        return ones ^ ((UInt128(1) << (bits - prefixLength)) - 1)
    }

    /// The network: the address with its host bits cleared.
    public var network: CIDR {
        CIDR(address: IPAddress(family: family, value: address.value & maskValue), prefixLength: prefixLength)
    }

    /// The first address of the block (the network address).
    public var first: IPAddress { IPAddress(family: family, value: address.value & maskValue) }

    /// The last address of the block (the IPv4 broadcast address).
    public var last: IPAddress {
        let hostBits = UInt128.max >> (128 - (family.bits - prefixLength))
        let v = (address.value & maskValue) | (family.bits - prefixLength == 0 ? 0 : hostBits)
        return IPAddress(family: family, value: v)
    }

    /// Number of host bits (`32 - prefix` or `128 - prefix`).
    public var hostBits: Int { family.bits - prefixLength }

    /// Whether `ip` lies inside this block.
    public func contains(_ ip: IPAddress) -> Bool {
        ip.family == family && (ip.value & maskValue) == (address.value & maskValue)
    }

    /// Whether `other` lies wholly inside this block.
    public func contains(_ other: CIDR) -> Bool {
        other.family == family && other.prefixLength >= prefixLength && contains(other.address)
    }

    /// Whether the two blocks share any address.
    public func overlaps(_ other: CIDR) -> Bool {
        other.family == family && (contains(other.first) || other.contains(first))
    }

    public var description: String { "\(address)/\(prefixLength)" }
}
