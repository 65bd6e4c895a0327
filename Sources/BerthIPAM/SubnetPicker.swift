import BerthCore

/// Picks the lowest subnet of the configured pools that overlaps nothing in use.
///
/// In-use blocks are sorted into merged intervals, and every candidate that overlaps one jumps
/// straight past it, so the search costs O(n log n) in the networks in use, not in pool size.
public enum SubnetPicker {
    /// The first free subnet of `family` among `pools`, or nil when they are all taken.
    public static func firstFree(pools: [AddressPool], family: IPFamily, inUse: [CIDR]) -> CIDR? {
        let intervals = merged(inUse.filter { $0.family == family }.map { ($0.first.value, $0.last.value) })
        for pool in pools where pool.base.family == family {
            let step = UInt128(1) << (family.bits - pool.size)
            var index: UInt128 = 0
            let count = pool.subnetCount
            while index < count {
                let candidate = pool.subnet(at: index)
                let lo = candidate.first.value
                let hi = candidate.last.value
                guard let blocking = firstOverlap(intervals, lo, hi) else { return candidate }
                // Skip every candidate that still overlaps the blocking interval.
                let end = blocking.1
                if end >= pool.base.last.value { break }
                let next = (end - pool.base.first.value) / step + 1
                index = max(index + 1, next)
            }
        }
        return nil
    }

    private static func merged(_ xs: [(UInt128, UInt128)]) -> [(UInt128, UInt128)] {
        var out: [(UInt128, UInt128)] = []
        for x in xs.sorted(by: { $0.0 < $1.0 }) {
            if let last = out.last, x.0 <= last.1 &+ 1, last.1 != UInt128.max {
                out[out.count - 1].1 = max(last.1, x.1)
            } else if let last = out.last, last.1 == UInt128.max {
                continue
            } else {
                out.append(x)
            }
        }
        return out
    }

    /// The interval overlapping [lo, hi], found by binary search over sorted disjoint intervals.
    private static func firstOverlap(_ xs: [(UInt128, UInt128)], _ lo: UInt128, _ hi: UInt128) -> (UInt128, UInt128)? {
        var l = 0
        var r = xs.count
        while l < r {  // first interval whose end >= lo
            let m = (l + r) / 2
            if xs[m].1 < lo { l = m + 1 } else { r = m }
        }
        guard l < xs.count, xs[l].0 <= hi else { return nil }
        return xs[l]
    }
}
