import BerthCore

/// The `filters` query parameter of list and prune endpoints.
///
/// Clients send two encodings: the docker CLI `{"name":{"x":true}}`, the Python SDK
/// `{"name":["x"]}`. Both are accepted; values keep their order.
public struct Filters: Equatable, Sendable {
    public private(set) var values: [String: [String]] = [:]

    public init(_ values: [String: [String]] = [:]) { self.values = values }

    /// Parses the query parameter's JSON text; an empty string means no filters.
    public init(json text: String) throws(APIError) {
        if text.isEmpty { return }
        let doc: JSONValue
        do { doc = try JSONParser.parse(text) } catch { throw .invalidParameter("invalid filter: \(error)") }
        guard let members = doc.members else { throw .invalidParameter("invalid filter: expected a JSON object, got \(doc.typeName)") }
        for m in members {
            switch m.value {
            case .array(let items):
                values[m.key, default: []] += try items.map { v throws(APIError) in
                    guard let s = v.stringValue else { throw .invalidParameter("invalid filter '\(m.key)': values must be strings") }
                    return s
                }
            case .object(let set):
                for e in set where e.value != .bool(false) { values[m.key, default: []].append(e.key) }
            default:
                throw .invalidParameter("invalid filter '\(m.key)': expected a list or a set of values, got \(m.value.typeName)")
            }
        }
    }

    public var isEmpty: Bool { values.isEmpty }
    public func get(_ key: String) -> [String] { values[key] ?? [] }
    public func contains(_ key: String) -> Bool { values[key] != nil }
    public var keys: [String] { values.keys.sorted() }

    public mutating func add(_ key: String, _ value: String) { values[key, default: []].append(value) }

    /// Refuses filter names outside `accepted`, with dockerd's message.
    public func validate(accepted: Set<String>) throws(APIError) {
        for k in keys where !accepted.contains(k) {
            throw .invalidParameter("invalid filter '\(k)'")
        }
    }

    /// The docker CLI's encoding, used by the berth CLI.
    public var json: String {
        JSONValue.object(keys.map { k in
            .init(k, .object(get(k).map { .init($0, .bool(true)) }))
        }).rendered()
    }

    /// Matches `label=key` / `label=key=value` filters against a label map (all must match).
    public func matchLabels(_ labels: [String: String], key: String = "label") -> Bool {
        FilterMatch.labels(get(key), labels)
    }
}
