#if canImport(Glibc)
import Glibc
#endif

/// The hard resource limits of the daemon's own process: the ceiling for its containers.
///
/// runc's container init inherits conmon's limits, which are berthd's, and raising a hard limit
/// above the current one needs CAP_SYS_RESOURCE. Machines that withhold that capability even from
/// root (sandboxes, some CI runners) make `runc create` fail with EPERM on such a limit, so the
/// builder caps every requested limit here.
public struct HostRlimits: Equatable, Sendable {
    /// Hard limits by resource; a resource missing here is not capped.
    public var hard: [Rlimit.Resource: UInt64]

    public init(hard: [Rlimit.Resource: UInt64]) { self.hard = hard }

    /// No ceiling at all (a host with CAP_SYS_RESOURCE, or tests of other things).
    public static let unlimited = HostRlimits(hard: [:])

    /// Reads the calling process's hard limits with `getrlimit`.
    public static func current() -> HostRlimits {
        var hard: [Rlimit.Resource: UInt64] = [:]
        for resource in Rlimit.Resource.allCases {
            var value = rlimit()
            if getrlimit(__rlimit_resource_t(UInt32(resource.rawValue)), &value) == 0 {
                hard[resource] = UInt64(value.rlim_max)
            }
        }
        return HostRlimits(hard: hard)
    }

    /// `limit` lowered so that neither value exceeds this host's hard limit (and soft ≤ hard).
    public func cap(_ limit: Rlimit) -> Rlimit {
        var capped = limit
        if let ceiling = hard[limit.resource] {
            capped.hard = min(limit.hard, ceiling)
        }
        capped.soft = min(limit.soft, capped.hard)
        return capped
    }
}
