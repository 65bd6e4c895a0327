/// A computed object a template can read fields and call methods on, like the docker CLI's
/// per-command contexts (`networkContext` with `.ID`, `.Name`, `.Label "key"`).
///
/// Go's `text/template` resolves `.Name` on a struct pointer by looking for a method first and
/// then a field or map key; ``member(named:)`` answers both. Returning `nil` reports
/// `can't evaluate field Name in type <typeName>`.
public protocol TemplateContext: Sendable {
    /// The Go type named in error messages, e.g. `*network.networkContext`.
    var typeName: String { get }
    /// The field, map entry or method called `name`, or `nil` if there is none.
    func member(named name: String) -> TemplateMember?
    /// What `{{json .}}` encodes (docker marshals its list contexts as a map of their getters).
    var jsonValue: TemplateValue { get }
}

/// The answer of a ``TemplateContext`` for one name.
public enum TemplateMember: Sendable {
    /// A plain value, like a struct field or map entry. `nil` is a missing map key,
    /// which Go prints as `<no value>`.
    case value(TemplateValue?)
    /// A method; the action's arguments are checked against its parameters and passed in.
    case method(TemplateMethod)
}

/// A method a template can call on a ``TemplateContext``: `{{.Label "com.example.key"}}`.
public struct TemplateMethod: Sendable {
    /// The Go type a parameter accepts; arguments of another type fail like Go's
    /// `wrong type for value; expected string; got int`.
    public enum Parameter: Sendable, Equatable {
        case string
        case int
        case any
    }

    /// The parameters, in order.
    public var parameters: [Parameter]
    /// The implementation; arguments arrive already type-checked. A thrown error stops
    /// execution with `error calling <name>: <error>`.
    public var body: @Sendable ([TemplateValue]) throws -> TemplateValue

    /// A method with the given parameters and body.
    public init(
        parameters: [Parameter],
        body: @escaping @Sendable ([TemplateValue]) throws -> TemplateValue
    ) {
        self.parameters = parameters
        self.body = body
    }

    /// A getter without parameters, as docker's contexts expose every column (`.ID`, `.Name`).
    public static func getter(_ value: TemplateValue) -> TemplateMethod {
        TemplateMethod(parameters: []) { _ in value }
    }

    /// A method taking one string, such as `.Label "key"`.
    public static func string(_ body: @escaping @Sendable (String) -> TemplateValue) -> TemplateMethod {
        TemplateMethod(parameters: [.string]) { args in
            guard case .string(let s) = args.first else { return .string("") }
            return body(s)
        }
    }
}

/// A ready-made ``TemplateContext`` for list commands: named columns computed up front
/// (exposed as getter methods, like docker's) plus optional methods with arguments.
///
/// ```swift
/// TemplateRecord(typeName: "*network.networkContext",
///                fields: ["ID": .string(id), "Name": .string(name)],
///                methods: ["Label": .string { labels[$0].map(TemplateValue.string) ?? "" }])
/// ```
public struct TemplateRecord: TemplateContext {
    /// The Go type named in errors, e.g. `*network.networkContext`.
    public var typeName: String
    /// The columns, in declaration order.
    public var fields: [(name: String, value: TemplateValue)]
    /// Methods that take arguments.
    public var methods: [String: TemplateMethod]
    /// Overrides what `{{json .}}` prints; by default the fields as an object with sorted
    /// keys, which is what docker's `formatter.MarshalJSON` produces.
    public var json: TemplateValue?

    /// A record with the given columns and methods.
    public init(
        typeName: String = "*formatter.Context",
        fields: KeyValuePairs<String, TemplateValue>,
        methods: [String: TemplateMethod] = [:],
        json: TemplateValue? = nil
    ) {
        self.typeName = typeName
        self.fields = fields.map { (name: $0.key, value: $0.value) }
        self.methods = methods
        self.json = json
    }

    /// A method first, then a column (as a getter), like Go's method-before-field lookup.
    public func member(named name: String) -> TemplateMember? {
        if let method = methods[name] { return .method(method) }
        if let field = fields.last(where: { $0.name == name }) { return .method(.getter(field.value)) }
        return nil
    }

    /// ``json`` if set, else the columns as an object with sorted keys.
    public var jsonValue: TemplateValue {
        if let json { return json }
        let sorted = fields.sorted { $0.name.utf8.lexicographicallyPrecedes($1.name.utf8) }
        return .object(sorted.map { (key: $0.name, value: $0.value) })
    }
}
