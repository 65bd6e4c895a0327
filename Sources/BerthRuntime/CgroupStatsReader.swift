import BerthCore
import Foundation

/// Reads a running container's resource use the way dockerd's stats collector does: its cgroup
/// (found through `/proc/<pid>/cgroup`, so any cgroup parent and either cgroup version work), the
/// host's CPU time and memory, and the counters of the interfaces in its network namespace
/// (`/proc/<pid>/net/dev` shows the namespace of that process: no setns needed). All file reads
/// run on a thread Berth owns, never on the cooperative pool.
public struct CgroupStatsReader: Sendable {
    /// Where the cgroup hierarchies are mounted in berthd's mount namespace.
    public var cgroupRoot: String
    public var procRoot: String

    public init(cgroupRoot: String = "/sys/fs/cgroup", procRoot: String = "/proc") {
        self.cgroupRoot = cgroupRoot
        self.procRoot = procRoot
    }

    /// One sample of everything `GET /containers/{id}/stats` shows for the process `pid`.
    public struct Sample: Sendable {
        public var cgroup: CgroupStats
        /// The host's CPU time in nanoseconds (`/proc/stat`'s first line, as dockerd sums it).
        public var systemCPU: UInt64
        public var onlineCPUs: Int
        /// The host's memory (`MemTotal`), the cap dockerd puts on the shown limit.
        public var hostMemory: UInt64
        /// Interface name → counters, without `lo`.
        public var interfaces: [(name: String, counters: InterfaceCounters)]
    }

    static let v1Files = [
        "cpuacct": ["cpuacct.usage", "cpuacct.usage_percpu", "cpuacct.stat"], "cpu": ["cpu.stat"],
        "memory": ["memory.usage_in_bytes", "memory.max_usage_in_bytes", "memory.limit_in_bytes", "memory.failcnt", "memory.stat"],
        "blkio": ["blkio.io_service_bytes_recursive", "blkio.throttle.io_service_bytes_recursive"],
        "pids": ["pids.current", "pids.max"],
    ]
    static let v2Files = ["cpu.stat", "memory.current", "memory.max", "memory.events", "memory.stat", "io.stat", "pids.current", "pids.max"]

    /// Samples the process `pid`; fails when it is gone.
    public func sample(pid: Int32) async throws -> Sample {
        let (cgroupRoot, procRoot) = (self.cgroupRoot, self.procRoot)
        return try await NamespaceThread.run {
            guard let membership = Self.read("\(procRoot)/\(pid)/cgroup") else {
                throw BerthError.notFound("the container's process \(pid) is gone")
            }
            let cgroup = Self.readCgroup(membership: membership, root: cgroupRoot)
            let netDev = Self.read("\(procRoot)/\(pid)/net/dev") ?? ""
            return Sample(
                cgroup: cgroup, systemCPU: Self.systemCPU(Self.read("\(procRoot)/stat") ?? ""),
                onlineCPUs: max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))),
                hostMemory: Self.memTotal(Self.read("\(procRoot)/meminfo") ?? ""),
                interfaces: InterfaceCounters.parse(procNetDev: netDev).filter { $0.name != "lo" })
        }
    }

    /// Reads the files of the process's cgroups: the unified one when the controllers live there
    /// (v2), else each v1 hierarchy's.
    static func readCgroup(membership: String, root: String) -> CgroupStats {
        var v1Paths: [String: String] = [:]
        var unified: String?
        for line in membership.split(separator: "\n") {
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { continue }
            if f[0] == "0", f[1].isEmpty { unified = String(f[2]); continue }
            for controller in f[1].split(separator: ",") { v1Paths[String(controller)] = "\(f[1])\(f[2])" }
        }
        if v1Paths["memory"] == nil, let unified {
            var files: [String: String] = [:]
            for name in v2Files { files[name] = read("\(root)\(unified)/\(name)") }
            return CgroupStats.v2(files)
        }
        var files: [String: String] = [:]
        for (controller, names) in v1Files {
            guard let path = v1Paths[controller] else { continue }
            // A hierarchy mounted with several controllers (`cpu,cpuacct`) is one directory.
            for name in names { files["\(controller)/\(name)"] = read("\(root)/\(path)/\(name)") }
        }
        return CgroupStats.v1(files, ticksPerSecond: UInt64(max(1, sysconf(Int32(_SC_CLK_TCK)))))
    }

    /// `/proc/stat`'s `cpu` line: user, nice, system, idle, iowait, irq and softirq, in ns.
    static func systemCPU(_ text: String) -> UInt64 {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return 0 }
        let ticks = line.split(separator: " ").dropFirst().prefix(7).compactMap { UInt64($0) }.reduce(0, +)
        return ticks * (1_000_000_000 / UInt64(max(1, sysconf(Int32(_SC_CLK_TCK)))))
    }

    /// `MemTotal:  24683664 kB` in bytes.
    static func memTotal(_ text: String) -> UInt64 {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("MemTotal:") }) else { return 0 }
        return (line.split(separator: " ").dropFirst().first.flatMap { UInt64($0) } ?? 0) * 1024
    }

    static func read(_ path: String) -> String? { try? String(contentsOfFile: path, encoding: .utf8) }
}
