/// One reading of a container's cgroup, in the units dockerd's stats use (nanoseconds, bytes),
/// parsed from the files of cgroup v1 or v2. Parsing is pure: `CgroupStatsReader` reads the files.
public struct CgroupStats: Sendable, Equatable {
    /// One line of `io_service_bytes_recursive`: a device and an operation.
    public struct BlockIO: Sendable, Equatable {
        public var major: UInt64
        public var minor: UInt64
        /// v1: `Read`, `Write`, `Sync`, `Async`, `Discard`, `Total`; v2: `read`, `write`.
        public var op: String
        public var value: UInt64
    }

    /// 1 or 2.
    public var version = 1
    public var cpuTotal: UInt64 = 0
    public var cpuUser: UInt64 = 0
    public var cpuSystem: UInt64 = 0
    /// Per-CPU usage; v1 only.
    public var perCPU: [UInt64]?
    public var throttlePeriods: UInt64 = 0
    public var throttledPeriods: UInt64 = 0
    public var throttledTime: UInt64 = 0
    public var memoryUsage: UInt64?
    /// v1 only.
    public var memoryMaxUsage: UInt64?
    /// nil when unlimited.
    public var memoryLimit: UInt64?
    public var memoryFailcnt: UInt64?
    /// `memory.stat`, in the file's order.
    public var memoryStat: [(key: String, value: UInt64)] = []
    public var blockIO: [BlockIO]?
    public var pidsCurrent: UInt64?
    /// nil when unlimited (`max`).
    public var pidsLimit: UInt64?

    public init() {}

    public static func == (a: CgroupStats, b: CgroupStats) -> Bool {
        a.version == b.version && a.cpuTotal == b.cpuTotal && a.cpuUser == b.cpuUser && a.cpuSystem == b.cpuSystem
            && a.perCPU == b.perCPU && a.throttlePeriods == b.throttlePeriods && a.throttledPeriods == b.throttledPeriods
            && a.throttledTime == b.throttledTime && a.memoryUsage == b.memoryUsage && a.memoryMaxUsage == b.memoryMaxUsage
            && a.memoryLimit == b.memoryLimit && a.memoryFailcnt == b.memoryFailcnt
            && a.memoryStat.map(\.key) == b.memoryStat.map(\.key) && a.memoryStat.map(\.value) == b.memoryStat.map(\.value)
            && a.blockIO == b.blockIO && a.pidsCurrent == b.pidsCurrent && a.pidsLimit == b.pidsLimit
    }

    /// A v1 reading from the hierarchies' files, keyed `controller/file` (`cpuacct/cpuacct.usage`).
    /// `ticksPerSecond` converts `cpuacct.stat` (USER_HZ) to nanoseconds.
    public static func v1(_ files: [String: String], ticksPerSecond: UInt64 = 100) -> CgroupStats {
        var s = CgroupStats()
        s.version = 1
        s.cpuTotal = number(files["cpuacct/cpuacct.usage"]) ?? 0
        s.perCPU = files["cpuacct/cpuacct.usage_percpu"].map { $0.split(whereSeparator: \.isWhitespace).compactMap { UInt64($0) } }
        let ticks = pairs(files["cpuacct/cpuacct.stat"])
        let perTick = 1_000_000_000 / max(ticksPerSecond, 1)
        s.cpuUser = (ticks["user"] ?? 0) * perTick
        s.cpuSystem = (ticks["system"] ?? 0) * perTick
        let cpu = pairs(files["cpu/cpu.stat"])
        s.throttlePeriods = cpu["nr_periods"] ?? 0
        s.throttledPeriods = cpu["nr_throttled"] ?? 0
        s.throttledTime = cpu["throttled_time"] ?? 0
        s.memoryUsage = number(files["memory/memory.usage_in_bytes"])
        s.memoryMaxUsage = number(files["memory/memory.max_usage_in_bytes"])
        // v1 says "unlimited" with a huge page-aligned number.
        s.memoryLimit = number(files["memory/memory.limit_in_bytes"]).flatMap { $0 >= 1 << 62 ? nil : $0 }
        s.memoryFailcnt = number(files["memory/memory.failcnt"]).flatMap { $0 == 0 ? nil : $0 }
        s.memoryStat = orderedPairs(files["memory/memory.stat"])
        let io = files["blkio/blkio.io_service_bytes_recursive"].flatMap { blkioV1($0).isEmpty ? nil : $0 }
            ?? files["blkio/blkio.throttle.io_service_bytes_recursive"]
        s.blockIO = io.map(blkioV1)
        s.pidsCurrent = number(files["pids/pids.current"])
        s.pidsLimit = number(files["pids/pids.max"])
        return s
    }

    /// A v2 reading from the unified hierarchy's files, keyed by file name (`cpu.stat`).
    public static func v2(_ files: [String: String]) -> CgroupStats {
        var s = CgroupStats()
        s.version = 2
        let cpu = pairs(files["cpu.stat"])
        s.cpuTotal = (cpu["usage_usec"] ?? 0) * 1000
        s.cpuUser = (cpu["user_usec"] ?? 0) * 1000
        s.cpuSystem = (cpu["system_usec"] ?? 0) * 1000
        s.throttlePeriods = cpu["nr_periods"] ?? 0
        s.throttledPeriods = cpu["nr_throttled"] ?? 0
        s.throttledTime = (cpu["throttled_usec"] ?? 0) * 1000
        s.memoryUsage = number(files["memory.current"])
        s.memoryLimit = number(files["memory.max"])
        s.memoryFailcnt = pairs(files["memory.events"])["oom"].flatMap { $0 == 0 ? nil : $0 }
        s.memoryStat = orderedPairs(files["memory.stat"])
        let io = (files["io.stat"] ?? "").split(separator: "\n").flatMap { line -> [BlockIO] in
            let fields = line.split(separator: " ")
            guard let dev = fields.first, let (major, minor) = device(dev) else { return [] }
            let kv = Dictionary(fields.dropFirst().compactMap { f -> (String, UInt64)? in
                let p = f.split(separator: "=", maxSplits: 1)
                guard p.count == 2, let v = UInt64(p[1]) else { return nil }
                return (String(p[0]), v)
            }, uniquingKeysWith: { a, _ in a })
            return [BlockIO(major: major, minor: minor, op: "read", value: kv["rbytes"] ?? 0),
                    BlockIO(major: major, minor: minor, op: "write", value: kv["wbytes"] ?? 0)]
        }
        s.blockIO = io.isEmpty ? nil : io
        s.pidsCurrent = number(files["pids.current"])
        s.pidsLimit = number(files["pids.max"])
        return s
    }

    /// `8:0 Read 4096` lines; the `Total` line without a device is left out.
    static func blkioV1(_ text: String) -> [BlockIO] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 3, let (major, minor) = device(f[0]), let v = UInt64(f[2]) else { return nil }
            return BlockIO(major: major, minor: minor, op: String(f[1]), value: v)
        }
    }

    static func device(_ s: Substring) -> (UInt64, UInt64)? {
        let p = s.split(separator: ":")
        guard p.count == 2, let a = UInt64(p[0]), let b = UInt64(p[1]) else { return nil }
        return (a, b)
    }

    /// A file holding one number; `max` and unreadable files are nil.
    static func number(_ text: String?) -> UInt64? {
        text.flatMap { UInt64($0.filter { !$0.isWhitespace }) }
    }

    static func orderedPairs(_ text: String?) -> [(key: String, value: UInt64)] {
        (text ?? "").split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count == 2, let v = UInt64(f[1]) else { return nil }
            return (String(f[0]), v)
        }
    }

    static func pairs(_ text: String?) -> [String: UInt64] {
        Dictionary(orderedPairs(text).map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a })
    }
}
