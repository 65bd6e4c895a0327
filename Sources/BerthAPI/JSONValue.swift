/// A JSON document with ordered object members, so responses keep dockerd's field order and
/// requests can be read the way Go reads them (keys matched case-insensitively).
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([Member])

    /// One key/value pair of an object, in document order.
    public struct Member: Sendable, Equatable {
        public var key: String
        public var value: JSONValue
        public init(_ key: String, _ value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// An object from ordered pairs.
    public static func obj(_ pairs: KeyValuePairs<String, JSONValue>) -> JSONValue {
        .object(pairs.map { Member($0.key, $0.value) })
    }

    /// A string map as Go marshals one: keys sorted; `nil` becomes `null`.
    public static func stringMap(_ m: [String: String]?) -> JSONValue {
        guard let m else { return .null }
        return .object(m.keys.sorted().map { Member($0, .string(m[$0] ?? "")) })
    }

    /// The member named `key`: an exact match first, else the first case-insensitive one (Go's rule).
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        if let m = members.first(where: { $0.key == key }) { return m.value }
        let lower = key.lowercased()
        return members.first(where: { $0.key.lowercased() == lower })?.value
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var members: [Member]? {
        if case .object(let m) = self { return m }
        return nil
    }

    public var isNull: Bool { self == .null }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}
