import BerthCore

/// A range of address space from which whole network subnets are carved, as dockerd's
/// `--default-address-pool base=172.80.0.0/16,size=24` describes one.
public struct AddressPool: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The block subnets are taken from.
    public var base: CIDR
    /// The prefix length of each subnet handed out.
    public var size: Int

    /// Builds a pool, checking that `size` is a valid prefix no shorter than `base`'s.
    public init(base: CIDR, size: Int) throws(IPAMError) {
        guard size >= base.prefixLength, size <= base.family.bits else {
            throw .invalidPool("invalid default address pool \(base): size \(size) must be between \(base.prefixLength) and \(base.family.bits)")
        }
        self.base = base.network
        self.size = size
    }

    /// Parses the daemon flag form `base=172.80.0.0/16,size=24`.
    public init(flag: String) throws(IPAMError) {
        var base: CIDR?
        var size: Int?
        for part in flag.split(separator: ",") {
            let kv = part.split(separator: "=", maxSplits: 1).map { $0.trimmingSpaces }
            guard kv.count == 2 else { throw .invalidPool("invalid default address pool \"\(flag)\": expected base=CIDR,size=N") }
            switch kv[0].lowercased() {
            case "base":
                guard let c = CIDR(kv[1]) else { throw .invalidPool("invalid default address pool \"\(flag)\": invalid CIDR address: \(kv[1])") }
                base = c
            case "size":
                guard let n = Int(kv[1]) else { throw .invalidPool("invalid default address pool \"\(flag)\": size must be a number") }
                size = n
            default:
                throw .invalidPool("invalid default address pool \"\(flag)\": unknown field \(kv[0]), expected base and size")
            }
        }
        guard let b = base, let s = size else { throw .invalidPool("invalid default address pool \"\(flag)\": both base and size are required") }
        try self.init(base: b, size: s)
    }

    /// How many subnets the pool holds, saturating at `Int.max`.
    public var subnetCount: UInt128 {
        let bits = size - base.prefixLength
        return bits >= 127 ? UInt128.max : UInt128(1) << bits
    }

    /// The `index`-th subnet of the pool.
    public func subnet(at index: UInt128) -> CIDR {
        let step = UInt128(1) << (base.family.bits - size)
        let start = base.first.value &+ index &* step
        return CIDR(address: IPAddress(family: base.family, value: start), prefixLength: size)
    }

    /// dockerd's local default pools: 172.17.0.0/16 … 172.31.0.0/16, then 192.168.0.0/16 in /20s.
    public static let dockerDefaults: [AddressPool] = {
        var pools: [AddressPool] = []
        for (base, size) in [("172.17.0.0/16", 16), ("172.18.0.0/16", 16), ("172.19.0.0/16", 16),
                             ("172.20.0.0/14", 16), ("172.24.0.0/14", 16), ("172.28.0.0/14", 16),
                             ("192.168.0.0/16", 20)] {
            if let c = CIDR(base), let p = try? AddressPool(base: c, size: size) { pools.append(p) }
        }
        return pools
    }()

    public var description: String { "base=\(base),size=\(size)" }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
