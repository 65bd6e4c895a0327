import BerthAPI
import BerthContainers
import BerthCore
import BerthRuntime

/// `GET /containers/{id}/stats`: one object (`stream=0`) or one a second, as dockerd sends them.
/// `stream=0` needs two samples for the CPU % the CLI computes: dockerd waits a full second for
/// the second; Berth takes it `primeInterval` after the first (the CLI gives up after 2 s).
struct StatsHandlers: Sendable {
    let containers: ContainerService
    var reader = CgroupStatsReader()
    var interval: Duration = .seconds(1)
    var primeInterval: Duration = .milliseconds(250)

    func register(_ r: inout Router) {
        r.add(["GET"], "/containers/{id}/stats") { req in
            let c = try await containers.find(req.params["id"] ?? "")
            let stream = req.boolQuery("stream", default: true)
            let oneShot = req.version >= APIVersion(1, 41) && req.boolQuery("one-shot")
            if stream && oneShot { throw BerthError.invalidArgument("cannot have stream=true and one-shot=true") }
            let (id, service, reader) = (c.id, containers, self.reader)
            if !stream {
                let first = await Self.reading(id, service, reader)
                if oneShot || first == nil { return .json(Self.object(id, first, previous: nil, name: c.name)) }
                try? await Task.sleep(for: primeInterval)
                let second = await Self.reading(id, service, reader)
                return .json(Self.object(id, second, previous: second == nil ? nil : first, name: c.name))
            }
            let interval = self.interval
            return .streaming(contentType: "application/json") {
                AsyncStream(bufferingPolicy: .bufferingNewest(8)) { continuation in
                    let task = Task {
                        var previous: StatsView.Reading?
                        while !Task.isCancelled {
                            guard let record = try? await service.find(id) else { break }
                            let now = await Self.reading(id, service, reader)
                            let body = Self.object(id, now, previous: previous, name: record.name)
                            continuation.yield(Array((body.rendered() + "\n").utf8))
                            previous = now
                            try? await Task.sleep(for: interval)
                        }
                        continuation.finish()
                    }
                    continuation.onTermination = { _ in task.cancel() }
                }
            }
        }
    }

    /// A sample of the container now, nil when it does not run (or its process just went).
    static func reading(_ id: String, _ service: ContainerService, _ reader: CgroupStatsReader) async -> StatsView.Reading? {
        guard let c = try? await service.find(id), c.status == .running, c.pid > 0 else { return nil }
        guard let sample = try? await reader.sample(pid: c.pid) else { return nil }
        return .init(at: .now(), sample: sample)
    }

    static func object(_ id: String, _ now: StatsView.Reading?, previous: StatsView.Reading?, name: String) -> JSONValue {
        guard let now else { return StatsView.idle(name: name, id: id) }
        return StatsView.render(name: name, id: id, now, previous: previous)
    }
}
