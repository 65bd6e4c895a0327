import BerthAPI
import BerthCore
import BerthRuntime

/// Renders one `GET /containers/{id}/stats` object in dockerd's shape and field order. The CLI
/// computes CPU % from `cpu_stats` against `precpu_stats` (the request's previous sample).
enum StatsView {
    /// A sample with the instant it was taken.
    struct Reading: Sendable {
        var at: Timestamp
        var sample: CgroupStatsReader.Sample
    }

    static let zeroTime = "0001-01-01T00:00:00Z"
    static let blkioKeys = [
        "io_service_bytes_recursive", "io_serviced_recursive", "io_queue_recursive", "io_service_time_recursive",
        "io_wait_time_recursive", "io_merged_recursive", "io_time_recursive", "sectors_recursive",
    ]

    /// What dockerd sends for a container that is not running: zeros, its name and id, no networks.
    static func idle(name: String, id: String) -> JSONValue {
        .obj([
            "read": .string(zeroTime), "preread": .string(zeroTime), "pids_stats": .obj([:]),
            "blkio_stats": .object(blkioKeys.map { .init($0, .null) }), "num_procs": .int(0), "storage_stats": .obj([:]),
            "cpu_stats": cpu(nil), "precpu_stats": cpu(nil), "memory_stats": .obj([:]),
            "name": .string("/" + name), "id": .string(id),
        ])
    }

    /// A running container's sample; `previous` is nil for the first one of a request.
    static func render(name: String, id: String, _ now: Reading, previous: Reading?) -> JSONValue {
        let s = now.sample
        let g = s.cgroup
        var pids: [JSONValue.Member] = []
        if let c = g.pidsCurrent { pids.append(.init("current", int(c))) }
        if let l = g.pidsLimit, l > 0 { pids.append(.init("limit", int(l))) }
        let io: JSONValue = g.blockIO.map { entries in
            .array(entries.map { .obj(["major": int($0.major), "minor": int($0.minor), "op": .string($0.op), "value": int($0.value)]) })
        } ?? .null
        // v1 reads every blkio list (empty ones are `[]`); v2 fills only the first.
        let blkio: JSONValue = .object(blkioKeys.enumerated().map { i, k in
            .init(k, i == 0 ? (g.version == 1 && g.blockIO == nil ? .array([]) : io) : (g.version == 1 ? .array([]) : .null))
        })
        var memory: [JSONValue.Member] = []
        if let u = g.memoryUsage { memory.append(.init("usage", int(u))) }
        if let m = g.memoryMaxUsage { memory.append(.init("max_usage", int(m))) }
        if !g.memoryStat.isEmpty {
            let sorted = g.memoryStat.sorted { $0.key < $1.key }
            memory.append(.init("stats", .object(sorted.map { .init($0.key, int($0.value)) })))
        }
        if let f = g.memoryFailcnt { memory.append(.init("failcnt", int(f))) }
        // The limit is the cgroup's, never more than the host has (dockerd caps it the same way).
        let limit = min(g.memoryLimit ?? s.hostMemory, s.hostMemory > 0 ? s.hostMemory : UInt64.max)
        memory.append(.init("limit", int(limit)))
        var members: [JSONValue.Member] = [
            .init("read", .string(now.at.rfc3339Nano)), .init("preread", .string(previous?.at.rfc3339Nano ?? zeroTime)),
            .init("pids_stats", .object(pids)), .init("blkio_stats", blkio), .init("num_procs", .int(0)),
            .init("storage_stats", .obj([:])), .init("cpu_stats", cpu(s)), .init("precpu_stats", cpu(previous?.sample)),
            .init("memory_stats", .object(memory)), .init("name", .string("/" + name)), .init("id", .string(id)),
        ]
        if !s.interfaces.isEmpty {
            members.append(.init("networks", .object(s.interfaces.sorted { $0.name < $1.name }.map { i in
                let c = i.counters
                return .init(i.name, .obj([
                    "rx_bytes": int(c.rxBytes), "rx_packets": int(c.rxPackets), "rx_errors": int(c.rxErrors),
                    "rx_dropped": int(c.rxDropped), "tx_bytes": int(c.txBytes), "tx_packets": int(c.txPackets),
                    "tx_errors": int(c.txErrors), "tx_dropped": int(c.txDropped),
                ]))
            })))
        }
        return .object(members)
    }

    /// `cpu_stats`; a missing sample is dockerd's zeroed first `precpu_stats`.
    static func cpu(_ s: CgroupStatsReader.Sample?) -> JSONValue {
        guard let s else {
            return .obj([
                "cpu_usage": .obj(["total_usage": .int(0), "usage_in_kernelmode": .int(0), "usage_in_usermode": .int(0)]),
                "throttling_data": .obj(["periods": .int(0), "throttled_periods": .int(0), "throttled_time": .int(0)]),
            ])
        }
        let g = s.cgroup
        var usage: [JSONValue.Member] = [.init("total_usage", int(g.cpuTotal))]
        if let per = g.perCPU { usage.append(.init("percpu_usage", .array(per.map(int)))) }
        usage += [.init("usage_in_kernelmode", int(g.cpuSystem)), .init("usage_in_usermode", int(g.cpuUser))]
        return .obj([
            "cpu_usage": .object(usage), "system_cpu_usage": int(s.systemCPU), "online_cpus": .int(Int64(s.onlineCPUs)),
            "throttling_data": .obj([
                "periods": int(g.throttlePeriods), "throttled_periods": int(g.throttledPeriods), "throttled_time": int(g.throttledTime),
            ]),
        ])
    }

    /// Counters are unsigned 64-bit; none this code shows comes near Int64's limit (a v2
    /// `pids.max` of `max` is left out as unlimited, as v1 shows it).
    static func int(_ v: UInt64) -> JSONValue { .int(Int64(clamping: v)) }
}
