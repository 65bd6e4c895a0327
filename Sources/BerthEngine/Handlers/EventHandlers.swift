import BerthAPI
import BerthCore
import Foundation

/// `GET /events`: the engine's events as dockerd streams them, one JSON object per line, past ones
/// from `since`, live ones until `until` (or until the client leaves), filtered by `type`, `event`,
/// `container`, `network`, `image` and `label`.
struct EventHandlers: Sendable {
    let log: EventLog

    func register(_ r: inout Router) {
        r.add(["GET"], "/events") { req in
            let filters = try req.filters()
            do { try filters.validate(accepted: [
                "container", "event", "image", "label", "network", "type", "scope", "volume", "plugin", "daemon", "node",
                "service", "secret", "config",
            ]) } catch let e as APIError {
                throw e.berthError
            }
            let now = Timestamp.now().nanoseconds
            let since = try Self.time(req.query("since"), name: "since", now: now)
            let until = try Self.time(req.query("until"), name: "until", now: now)
            if let s = since, let u = until, u < s {
                throw BerthError.invalidArgument("`since` time (\(req.query("since") ?? "")) cannot be after `until` time (\(req.query("until") ?? ""))")
            }
            let log = self.log
            return .streaming(contentType: "application/json") {
                // Bounded: a client that stops reading loses the oldest events, not the daemon's memory.
                AsyncStream(bufferingPolicy: .bufferingNewest(4096)) { continuation in
                    let (past, live) = log.subscribe()
                    let task = Task {
                        for e in past where Self.matches(e, filters) && (since.map { e.timeNano >= $0 } ?? false)
                            && (until.map { e.timeNano <= $0 } ?? true) {
                            continuation.yield(Self.render(e))
                        }
                        // Without `since` only live events; with an `until` in the past, nothing live.
                        if let u = until, u <= Timestamp.now().nanoseconds {
                            continuation.finish()
                            return
                        }
                        await withTaskGroup(of: Void.self) { group in
                            group.addTask {
                                for await e in live where Self.matches(e, filters) {
                                    if let u = until, e.timeNano > u { break }
                                    continuation.yield(Self.render(e))
                                }
                            }
                            if let u = until {
                                group.addTask {
                                    try? await Task.sleep(for: .nanoseconds(max(0, u - Timestamp.now().nanoseconds)))
                                }
                            }
                            _ = await group.next()
                            group.cancelAll()
                        }
                        continuation.finish()
                    }
                    continuation.onTermination = { _ in task.cancel() }
                }
            }
        }
    }

    /// `1700000000`, `1700000000.5` or `1700000000.000000001` (what the docker CLI sends, after turning
    /// durations and dates into Unix time) → nanoseconds; nil when absent.
    static func time(_ text: String?, name: String, now: Int64) throws -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let seconds = Int64(parts[0]), parts.count == 1 || (parts[1].count <= 9 && parts[1].allSatisfy(\.isNumber)) else {
            throw BerthError.invalidArgument("invalid value for \(name): \(text): use Unix seconds (1700000000 or 1700000000.5)")
        }
        var nanos: Int64 = 0
        if parts.count == 2 { nanos = Int64(parts[1] + String(repeating: "0", count: 9 - parts[1].count)) ?? 0 }
        return seconds * 1_000_000_000 + nanos
    }

    static func matches(_ e: EngineEvent, _ f: Filters) -> Bool {
        func any(_ key: String, _ test: (String) -> Bool) -> Bool {
            let wanted = f.get(key)
            return wanted.isEmpty || wanted.contains(where: test)
        }
        let containerID = e.type == "container" ? e.actorID : e.attributes["container"] ?? ""
        return any("type") { $0 == e.type }
            && any("event") { $0 == e.action || e.action.hasPrefix($0 + ":") }
            // Ids and names by prefix, as dockerd's FuzzyMatch (`container=web` also matches `web2`).
            && any("container") { ref in
                !containerID.isEmpty && (containerID.hasPrefix(ref) || (e.type == "container" && (e.attributes["name"] ?? "").hasPrefix(ref)))
            }
            && any("network") { ref in e.type == "network" && (e.actorID.hasPrefix(ref) || (e.attributes["name"] ?? "").hasPrefix(ref)) }
            && any("image") { ref in
                let image = e.attributes["image"] ?? (e.type == "image" ? e.attributes["name"] ?? "" : "")
                return [ref, Self.untagged(ref)].contains(image) || Self.untagged(image) == ref || e.actorID == ref
            }
            && f.matchLabels(e.attributes)
            && any("scope") { $0 == "local" }
    }

    /// `alpine:latest` → `alpine` (a registry port's colon is not a tag).
    static func untagged(_ ref: String) -> String {
        guard let colon = ref.lastIndex(of: ":"), !ref[colon...].contains("/") else { return ref }
        return String(ref[..<colon])
    }

    /// dockerd's `events.Message`: the deprecated `status`/`id`/`from` only for containers.
    static func render(_ e: EngineEvent) -> [UInt8] {
        var members: [JSONValue.Member] = []
        if e.type == "container" {
            members += [.init("status", .string(e.action)), .init("id", .string(e.actorID)),
                        .init("from", .string(e.attributes["image"] ?? ""))]
        }
        members += [
            .init("Type", .string(e.type)), .init("Action", .string(e.action)),
            .init("Actor", .obj(["ID": .string(e.actorID), "Attributes": .stringMap(e.attributes)])),
            .init("scope", .string("local")), .init("time", .int(e.timeNano / 1_000_000_000)),
            .init("timeNano", .int(e.timeNano)),
        ]
        return Array((JSONValue.object(members).rendered() + "\n").utf8)
    }
}
