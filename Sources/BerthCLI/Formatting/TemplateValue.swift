import Foundation

/// A value a `--format` template can read: decoded Engine API JSON, or a command's context object.
///
/// The cases mirror what Go's `text/template` sees in the docker CLI: JSON scalars, arrays
/// (`[]interface{}`), objects (`map[string]interface{}` or a struct, printed Go-style) and
/// computed contexts whose fields are methods (`.ID`, `.Label "key"`).
public indirect enum TemplateValue: Sendable {
    /// A string, printed as is.
    case string(String)
    /// An integer (a JSON number without fraction or exponent).
    case int(Int)
    /// A float, printed like Go's `%v` (`0.5`, `1e+06`).
    case double(Double)
    /// A boolean, printed `true`/`false`.
    case bool(Bool)
    /// JSON `null`: a nil interface in Go. Printed as `<nil>` inside composites,
    /// and as `<no value>` when it is the result of an action.
    case null
    /// A list, printed `[a b c]`.
    case array([TemplateValue])
    /// An object with its keys in wire order (`json` keeps it; Go-style printing sorts).
    case object([(key: String, value: TemplateValue)])
    /// A computed context (a docker CLI `*xxxContext`): fields and methods resolved by name.
    case context(any TemplateContext)

    /// The value stored under `key` when this is an object (the last one wins, as in Go's decoder).
    public subscript(key: String) -> TemplateValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.last(where: { $0.key == key })?.value
    }

    /// Go's notion of "empty" used by `if`, `with`, `and`, `or` and `not`.
    var isTruthy: Bool {
        switch self {
        case .string(let s): !s.isEmpty
        case .int(let i): i != 0
        case .double(let d): d != 0
        case .bool(let b): b
        case .null: false
        case .array(let a): !a.isEmpty
        case .object(let o): !o.isEmpty
        case .context: true
        }
    }

    /// The Go type name used in error messages, as the docker CLI would report it
    /// for a value decoded into `interface{}`.
    var goTypeName: String {
        switch self {
        case .string: "string"
        case .int: "int"
        case .double: "float64"
        case .bool: "bool"
        case .null: "<nil>"
        case .array: "[]interface {}"
        case .object: "map[string]interface {}"
        case .context(let c): c.typeName
        }
    }
}

extension TemplateValue {
    /// Converts a value produced by `JSONSerialization` (`[String: Any]`, `[Any]`, `String`,
    /// `NSNumber`, `NSNull`). Object keys are sorted, since `Dictionary` lost their order;
    /// use ``init(json:)`` to keep the wire order.
    public init(jsonObject: Any) {
        switch jsonObject {
        case let s as String:
            self = .string(s)
        case let n as NSNumber:
            self = Self.number(n)
        case let a as [Any]:
            self = .array(a.map(TemplateValue.init(jsonObject:)))
        case let d as [String: Any]:
            let keys = d.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            self = .object(keys.map { (key: $0, value: TemplateValue(jsonObject: d[$0] as Any)) })
        case let b as Bool:
            self = .bool(b)
        case let i as Int:
            self = .int(i)
        case let x as Double:
            self = .double(x)
        case let v as TemplateValue:
            self = v
        default:
            self = .null
        }
    }

    private static func number(_ n: NSNumber) -> TemplateValue {
        // JSONSerialization boxes booleans as NSNumber too; objCType "c" tells them apart.
        switch String(cString: n.objCType) {
        case "c", "B": return .bool(n.boolValue)
        case "f", "d": return .double(n.doubleValue)
        case "Q", "L":
            let u = n.uint64Value
            return u <= UInt64(Int.max) ? .int(Int(u)) : .double(n.doubleValue)
        default: return .int(n.intValue)
        }
    }
}

extension TemplateValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByFloatLiteral, ExpressibleByNilLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: TemplateValue...) { self = .array(elements) }
    /// An object literal; keys keep the order written.
    public init(dictionaryLiteral elements: (String, TemplateValue)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
}
