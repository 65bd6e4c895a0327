import BerthCore

/// Hands out addresses of one subnet, first free first, as dockerd's default IPAM does.
///
/// State is a sparse bitmap of 64-address words keyed by word index, so memory grows with the
/// addresses in use, never with the size of the subnet: a /8 or a /64 costs nothing up front.
public struct AddressAllocator: Sendable {
    /// The subnet addresses belong to.
    public let subnet: CIDR
    /// The part of the subnet dynamic allocation draws from (`--ip-range`, or the whole subnet).
    public let range: CIDR

    private var words: [UInt128: UInt64] = [:]
    /// No free offset of the range lies below this one.
    private var hint: UInt128 = 0
    public private(set) var allocatedCount = 0

    /// Offsets are relative to the first address of the subnet.
    private let lowest: UInt128
    private let highest: UInt128

    public init(subnet: CIDR, range: CIDR? = nil) {
        self.subnet = subnet.network
        self.range = (range ?? subnet).network
        let base = self.subnet.first.value
        var lo = self.range.first.value - base
        var hi = self.range.last.value - base
        // The network address is never handed out; neither is the IPv4 broadcast address.
        if lo == 0 && self.subnet.hostBits > 1 { lo = 1 }
        if subnet.family == .v4 && self.subnet.hostBits > 1 && hi == self.subnet.last.value - base { hi -= 1 }
        lowest = lo
        highest = hi
        hint = lo
    }

    private func offset(of ip: IPAddress) -> UInt128? {
        guard subnet.contains(ip) else { return nil }
        return ip.value - subnet.first.value
    }

    private func isSet(_ off: UInt128) -> Bool {
        guard let w = words[off >> 6] else { return false }
        return w & (1 << UInt64(off & 63)) != 0
    }

    private mutating func set(_ off: UInt128) {
        words[off >> 6, default: 0] |= 1 << UInt64(off & 63)
        allocatedCount += 1
    }

    /// Whether `ip` is currently allocated or reserved.
    public func isAllocated(_ ip: IPAddress) -> Bool {
        guard let off = offset(of: ip) else { return false }
        return isSet(off)
    }

    /// Marks a specific address of the subnet as taken (gateway, aux address, or a requested IP).
    public mutating func reserve(_ ip: IPAddress) throws(IPAMError) {
        guard let off = offset(of: ip) else { throw .addressOutsideSubnets(ip) }
        guard !isSet(off) else { throw .addressInUse(ip) }
        set(off)
    }

    /// Takes the lowest free address of the range.
    public mutating func allocate() throws(IPAMError) -> IPAddress {
        var off = hint
        while off <= highest {
            let wordIndex = off >> 6
            let word = words[wordIndex] ?? 0
            if word == UInt64.max {
                off = (wordIndex + 1) << 6
                continue
            }
            let bit = UInt64(off & 63)
            // Free bits at or above `bit` in this word.
            let free = ~word & (UInt64.max << bit)
            if free == 0 {
                off = (wordIndex + 1) << 6
                continue
            }
            let candidate = (wordIndex << 6) | UInt128(free.trailingZeroBitCount)
            guard candidate <= highest else { break }
            set(candidate)
            hint = candidate + 1
            return IPAddress(family: subnet.family, value: subnet.first.value + candidate)
        }
        throw .noAvailableAddress(range)
    }

    /// Returns `ip` to the free set. Releasing an address that is not held is a no-op.
    public mutating func release(_ ip: IPAddress) {
        guard let off = offset(of: ip), isSet(off) else { return }
        let key = off >> 6
        let w = words[key, default: 0] & ~(1 << UInt64(off & 63))
        words[key] = w == 0 ? nil : w
        allocatedCount -= 1
        if off < hint && off >= lowest { hint = off }
    }
}
