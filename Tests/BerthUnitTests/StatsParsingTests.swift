#if canImport(Glibc)
import Glibc
#endif
import BerthAPI
import BerthCore
@testable import BerthRuntime
import Testing

@testable import BerthEngine

/// The pure parts of `GET /containers/{id}/stats`: cgroup v1 and v2 files, `/proc/<pid>/net/dev`,
/// the host's CPU line, and the JSON object in dockerd's shape.
@Suite struct StatsParsingTests {
    static let v1Files = [
        "cpuacct/cpuacct.usage": "26586291\n", "cpuacct/cpuacct.usage_percpu": "11957695 14628596 \n",
        "cpuacct/cpuacct.stat": "user 3\nsystem 1\n", "cpu/cpu.stat": "nr_periods 7\nnr_throttled 2\nthrottled_time 900\n",
        "memory/memory.usage_in_bytes": "479232\n", "memory/memory.max_usage_in_bytes": "4358144\n",
        "memory/memory.limit_in_bytes": "9223372036854771712\n", "memory/memory.failcnt": "0\n",
        "memory/memory.stat": "cache 147456\nrss 53248\ntotal_inactive_file 4096\n",
        "blkio/blkio.io_service_bytes_recursive": "Total 0\n",
        "blkio/blkio.throttle.io_service_bytes_recursive": "8:0 Read 4096\n8:0 Write 8192\nTotal 12288\n",
        "pids/pids.current": "1\n", "pids/pids.max": "max\n",
    ]

    @Test("cgroup v1: ns from USER_HZ ticks, unlimited memory and pids, the throttle blkio fallback")
    func v1() {
        let s = CgroupStats.v1(Self.v1Files, ticksPerSecond: 100)
        #expect(s.cpuTotal == 26_586_291 && s.perCPU == [11_957_695, 14_628_596])
        #expect(s.cpuUser == 30_000_000 && s.cpuSystem == 10_000_000)
        #expect((s.throttlePeriods, s.throttledPeriods, s.throttledTime) == (7, 2, 900))
        #expect(s.memoryUsage == 479_232 && s.memoryMaxUsage == 4_358_144 && s.memoryLimit == nil && s.memoryFailcnt == nil)
        #expect(s.memoryStat.map(\.key) == ["cache", "rss", "total_inactive_file"])
        #expect(s.blockIO == [.init(major: 8, minor: 0, op: "Read", value: 4096), .init(major: 8, minor: 0, op: "Write", value: 8192)])
        #expect(s.pidsCurrent == 1 && s.pidsLimit == nil)
    }

    @Test("cgroup v2: usec to ns, io.stat as read/write pairs, oom count as failcnt")
    func v2() {
        let s = CgroupStats.v2([
            "cpu.stat": "usage_usec 5000\nuser_usec 3000\nsystem_usec 2000\nnr_periods 1\nnr_throttled 0\nthrottled_usec 4\n",
            "memory.current": "1048576\n", "memory.max": "max\n", "memory.events": "low 0\noom 2\n",
            "memory.stat": "anon 4096\ninactive_file 512\n", "io.stat": "259:0 rbytes=100 wbytes=200 rios=1 wios=2\n",
            "pids.current": "3\n", "pids.max": "64\n",
        ])
        #expect(s.version == 2 && s.cpuTotal == 5_000_000 && s.cpuUser == 3_000_000 && s.cpuSystem == 2_000_000 && s.throttledTime == 4000)
        #expect(s.perCPU == nil && s.memoryMaxUsage == nil && s.memoryLimit == nil && s.memoryFailcnt == 2)
        #expect(s.blockIO == [.init(major: 259, minor: 0, op: "read", value: 100), .init(major: 259, minor: 0, op: "write", value: 200)])
        #expect(s.pidsLimit == 64)
        #expect(CgroupStats.v2(["io.stat": ""]).blockIO == nil)
    }

    @Test("/proc/<pid>/net/dev: the namespace's interfaces with rx and tx counters")
    func netDev() {
        let text = """
        Inter-|   Receive                                                |  Transmit
         face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
            lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
          eth0:    1578      19    1    2    0     0          0         0      868      10    3    4    0     0       0          0
        garbage line
        """
        let parsed = InterfaceCounters.parse(procNetDev: text)
        #expect(parsed.map(\.name) == ["lo", "eth0"])
        let e = parsed[1].counters
        #expect([e.rxBytes, e.rxPackets, e.rxErrors, e.rxDropped, e.txBytes, e.txPackets, e.txErrors, e.txDropped] == [1578, 19, 1, 2, 868, 10, 3, 4])
    }

    @Test("the JSON object: dockerd's keys, precpu from the previous sample, a limit no larger than the host")
    func view() throws {
        var cg = CgroupStats.v1(Self.v1Files)
        cg.memoryLimit = nil
        var counters = InterfaceCounters()
        counters.rxBytes = 42
        let sample = CgroupStatsReader.Sample(cgroup: cg, systemCPU: 2_000, onlineCPUs: 2, hostMemory: 1 << 30, interfaces: [("eth0", counters)])
        let first = StatsView.Reading(at: Timestamp(nanoseconds: 1_000_000_000), sample: sample)
        let second = StatsView.Reading(at: Timestamp(nanoseconds: 2_000_000_000), sample: sample)
        let json = StatsView.render(name: "web", id: "abc", second, previous: first)
        #expect(json.members?.map(\.key) == [
            "read", "preread", "pids_stats", "blkio_stats", "num_procs", "storage_stats", "cpu_stats", "precpu_stats",
            "memory_stats", "name", "id", "networks",
        ])
        #expect(json["name"]?.stringValue == "/web")
        #expect(json["preread"]?.stringValue == first.at.rfc3339Nano)
        #expect(json["memory_stats"]?["limit"] == .int(1 << 30))
        #expect(json["cpu_stats"]?["online_cpus"] == .int(2))
        #expect(json["precpu_stats"]?["system_cpu_usage"] == .int(2_000))
        #expect(json["networks"]?["eth0"]?["rx_bytes"] == .int(42))
        let firstOnly = StatsView.render(name: "web", id: "abc", first, previous: nil)
        #expect(firstOnly["preread"]?.stringValue == StatsView.zeroTime)
        #expect(firstOnly["precpu_stats"]?["system_cpu_usage"] == nil)
        let idle = StatsView.idle(name: "web", id: "abc")
        #expect(idle["networks"] == nil && idle["memory_stats"] == .obj([:]) && idle["read"]?.stringValue == StatsView.zeroTime)
    }

    @Test("/proc/stat's cpu line sums seven fields; link-local addresses")
    func hostAndAddresses() {
        // user..softirq (1+…+7 = 28 ticks); steal and guests are left out, as dockerd does.
        let tick = UInt64(1_000_000_000 / sysconf(Int32(_SC_CLK_TCK)))
        #expect(CgroupStatsReader.systemCPU("cpu  1 2 3 4 5 6 7 8 9 10\ncpu0 1 1 1 1 1 1 1\n") == 28 * tick)
        #expect(CgroupStatsReader.systemCPU("nothing") == 0)
        #expect(CgroupStatsReader.memTotal("MemTotal:       24683664 kB\n") == 24_683_664 * 1024)
        #expect(IPAddress("169.254.10.10")!.isLinkLocalUnicast && IPAddress("fe80::10")!.isLinkLocalUnicast)
        #expect(IPAddress("febf::1")!.isLinkLocalUnicast && !IPAddress("fec0::1")!.isLinkLocalUnicast)
        #expect(!IPAddress("10.1.1.1")!.isLinkLocalUnicast && !IPAddress("169.255.0.1")!.isLinkLocalUnicast)
    }
}
