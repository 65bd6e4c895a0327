import BerthCore

/// The filters of `GET /networks` and `POST /networks/prune`, as dockerd applies them.
public struct NetworkFilter: Sendable {
    /// `key -> values`; a network matches when every key has a matching value.
    public var values: [String: [String]]

    public static let listKeys: Set<String> = ["driver", "id", "label", "name", "scope", "type", "dangling"]
    public static let pruneKeys: Set<String> = ["until", "label", "label!"]

    public init(_ values: [String: [String]]) { self.values = values }

    /// Refuses unknown keys and malformed values before anything is looked at.
    public func validate(accepted: Set<String>) throws(BerthError) {
        for key in values.keys.sorted() where !accepted.contains(key) {
            throw .invalidArgument("invalid filter '\(key)'")
        }
        for t in values["type"] ?? [] where t != "custom" && t != "builtin" {
            throw .invalidArgument("invalid filter: 'type'='\(t)'")
        }
        if let d = values["dangling"] {
            if Set(d).count > 1 { throw .invalidArgument("got more than one value for filter key \"dangling\"") }
            if let v = d.first, !["true", "1", "false", "0"].contains(v.lowercased()) {
                throw .invalidArgument("invalid value for filter 'dangling', must be \"true\" (or \"1\"), or \"false\" (or \"0\")")
            }
        }
        for u in values["until"] ?? [] where Timestamp(parsing: u) == nil && Self.duration(u) == nil {
            throw .invalidArgument("invalid filter 'until=\(u)': use a timestamp (2026-01-02T15:04:05Z, Unix seconds) or a duration (10m, 24h)")
        }
        for key in ["id", "name"] {
            for v in values[key] ?? [] where (try? Regex(v)) == nil {
                throw .invalidArgument("invalid filter '\(key)=\(v)': not a valid regular expression")
            }
        }
    }

    /// Whether `network` (with `endpointCount` attachments) passes every filter.
    public func matches(_ network: Network, endpointCount: Int, now: Timestamp = .now()) -> Bool {
        let r = network.record
        for (key, vals) in values where !vals.isEmpty {
            let ok: Bool
            switch key {
            case "driver": ok = vals.contains(r.driver)
            case "scope": ok = vals.contains(r.scope)
            case "id": ok = vals.contains { FilterMatch.pattern($0, r.id) }
            case "name": ok = vals.contains { FilterMatch.pattern($0, r.name) }
            case "type": ok = vals.contains { $0 == (r.predefined ? "builtin" : "custom") }
            case "dangling":
                ok = vals.contains { v in
                    let dangling = !r.predefined && endpointCount == 0
                    return GoBool.parse(v) == dangling
                }
            case "label": ok = FilterMatch.labels(vals, r.labels)
            // dockerd leaves a network out only when every `label!` holds.
            case "label!": ok = !FilterMatch.labels(vals, r.labels)
            case "until":
                ok = vals.allSatisfy { v in
                    guard let t = Self.instant(v, now: now) else { return false }
                    return r.created < t.nanoseconds
                }
            default: ok = false
            }
            if !ok { return false }
        }
        return true
    }

    private static func instant(_ v: String, now: Timestamp) -> Timestamp? {
        if let d = duration(v) { return Timestamp(nanoseconds: now.nanoseconds - d) }
        return Timestamp(parsing: v)
    }

    /// Go duration strings such as `10m`, `1h30m`, `45s` in nanoseconds.
    static func duration(_ s: String) -> Int64? {
        var total: Double = 0
        var number = ""
        var unit = ""
        var sawAny = false
        func flush() -> Bool {
            guard let n = Double(number) else { return false }
            let mult: Double
            switch unit {
            case "ns": mult = 1
            case "us", "µs": mult = 1e3
            case "ms": mult = 1e6
            case "s": mult = 1e9
            case "m": mult = 60e9
            case "h": mult = 3600e9
            default: return false
            }
            total += n * mult
            number = ""; unit = ""; sawAny = true
            return true
        }
        for c in s {
            if c.isNumber || c == "." {
                if !unit.isEmpty { guard flush() else { return nil } }
                number.append(c)
            } else {
                guard !number.isEmpty else { return nil }
                unit.append(c)
            }
        }
        guard !number.isEmpty, flush(), sawAny else { return nil }
        return Int64(total)
    }
}
