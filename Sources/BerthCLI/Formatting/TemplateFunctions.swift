import Foundation

/// The functions a template may call: Go's builtins plus the docker CLI's additions
/// (`json`, `split`, `join`, `title`, `lower`, `upper`, `pad`, `truncate`).
public struct TemplateFunctions: Sendable {
    /// A failure inside a function, reported as `error calling <name>: <message>`.
    struct Failure: Error {
        var message: String
    }

    /// One callable: fixed parameters, an optional variadic tail, and the body.
    /// Arguments arrive type-checked; `nil` is Go's invalid value (a missing map key).
    struct Function: Sendable {
        var parameters: [TemplateMethod.Parameter]
        var variadic: TemplateMethod.Parameter?
        var body: @Sendable ([TemplateValue?]) throws(Failure) -> TemplateValue?
    }

    var table: [String: Function]

    /// The names a template may use, checked at parse time like Go does.
    var names: Set<String> { Set(table.keys) }

    /// Go's builtins and docker's `templates.basicFunctions`: what row templates run with.
    public static let docker = TemplateFunctions(table: builtins.merging(escaping) { $1 }.merging(dockerBasic) { $1 })

    /// docker's `templates.HeaderFunctions`: the same names, but string-to-string identities,
    /// so a table header shows the column title rather than transforming it (`pad` stays).
    public static let dockerHeader = TemplateFunctions(table: docker.table.merging(header) { $1 })

    // MARK: Go builtins

    private static let builtins: [String: Function] = [
        // `and`/`or` short-circuit; the executor evaluates them lazily with these types.
        "and": Function(parameters: [.any], variadic: .any) { args in args.last ?? nil },
        "or": Function(parameters: [.any], variadic: .any) { args in args.last ?? nil },
        "not": Function(parameters: [.any]) { args in .bool(!(args[0]?.isTruthy ?? false)) },
        "len": Function(parameters: [.any]) { args throws(Failure) in try length(args[0]) },
        "index": Function(parameters: [.any], variadic: .any) { args throws(Failure) in
            try index(args[0], Array(args.dropFirst()))
        },
        "eq": Function(parameters: [.any], variadic: .any) { args throws(Failure) in
            guard args.count > 1 else { throw Failure(message: "missing argument for comparison") }
            for other in args.dropFirst() {
                if try TemplateComparison.equal(args[0], other) { return .bool(true) }
            }
            return .bool(false)
        },
        "ne": Function(parameters: [.any, .any]) { args throws(Failure) in
            .bool(!(try TemplateComparison.equal(args[0], args[1])))
        },
        "lt": Function(parameters: [.any, .any]) { args throws(Failure) in
            .bool(try TemplateComparison.less(args[0], args[1]))
        },
        "le": Function(parameters: [.any, .any]) { args throws(Failure) in
            .bool(try TemplateComparison.lessOrEqual(args[0], args[1]))
        },
        "gt": Function(parameters: [.any, .any]) { args throws(Failure) in
            .bool(!(try TemplateComparison.lessOrEqual(args[0], args[1])))
        },
        "ge": Function(parameters: [.any, .any]) { args throws(Failure) in
            .bool(!(try TemplateComparison.less(args[0], args[1])))
        },
        "print": Function(parameters: [], variadic: .any) { args in .string(GoFormat.sprint(args)) },
        "println": Function(parameters: [], variadic: .any) { args in .string(GoFormat.sprintln(args)) },
        "printf": Function(parameters: [.string], variadic: .any) { args in
            guard case .string(let format)? = args[0] else { return .string("") }
            return .string(GoFormat.sprintf(format, Array(args.dropFirst())))
        },
    ]

    private static func length(_ item: TemplateValue?) throws(Failure) -> TemplateValue {
        switch item {
        case .string(let s)?: return .int(s.utf8.count)
        case .array(let a)?: return .int(a.count)
        case .object(let o)?: return .int(o.count)
        case nil, .null?: throw Failure(message: "len of nil pointer")
        case let other?: throw Failure(message: "len of type \(other.goTypeName)")
        }
    }

    private static func index(_ item: TemplateValue?, _ indices: [TemplateValue?]) throws(Failure) -> TemplateValue? {
        var current: TemplateValue
        switch item {
        case nil, .null?: throw Failure(message: "index of untyped nil")
        case let value?: current = value
        }
        for index in indices {
            switch current {
            case .null:
                throw Failure(message: "index of nil pointer")
            case .array, .string:
                guard case .int(let i)? = index else {
                    throw Failure(message: "cannot index slice/array with type \(index?.goTypeName ?? "<nil>")")
                }
                if case .array(let items) = current {
                    guard items.indices.contains(i) else { throw Failure(message: "index out of range: \(i)") }
                    current = items[i]
                } else if case .string(let s) = current {
                    let bytes = Array(s.utf8)
                    guard bytes.indices.contains(i) else { throw Failure(message: "index out of range: \(i)") }
                    current = .int(Int(bytes[i]))
                }
            case .object(let pairs):
                guard case .string(let key)? = index else {
                    throw Failure(message: "\(index?.goTypeName ?? "<nil>") is not index type for map[string]interface {}")
                }
                if let found = current[key] {
                    current = found
                } else if pairs.allSatisfy({ if case .string = $0.value { true } else { false } }) {
                    // Labels and options are map[string]string in docker's typed structs,
                    // where a missing key indexes to "" rather than <no value>.
                    current = .string("")
                } else {
                    return nil
                }
            default:
                throw Failure(message: "can't index item of type \(current.goTypeName)")
            }
        }
        return current
    }

    // MARK: docker's templates.basicFunctions

    private static let dockerBasic: [String: Function] = [
        "json": Function(parameters: [.any]) { args throws(Failure) in
            do {
                return .string(try (args[0] ?? .null).jsonString())
            } catch {
                throw Failure(message: "\(error)")
            }
        },
        "split": Function(parameters: [.string, .string]) { args in
            .array(split(string(args[0]), by: string(args[1])).map(TemplateValue.string))
        },
        "join": Function(parameters: [.any, .string]) { args throws(Failure) in
            let separator = string(args[1])
            switch args[0] {
            case nil, .null?: return .string("")
            case .array(let items)?: return .string(items.map(GoFormat.print).joined(separator: separator))
            case .object(let pairs)?:
                let values = pairs.map { GoFormat.print($0.value) }.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
                return .string(values.joined(separator: separator))
            case let other?: throw Failure(message: "expected slice, got \(other.goTypeName)")
            }
        },
        "title": Function(parameters: [.string]) { args in .string(title(string(args[0]))) },
        "lower": Function(parameters: [.string]) { args in .string(string(args[0]).lowercased()) },
        "upper": Function(parameters: [.string]) { args in .string(string(args[0]).uppercased()) },
        "pad": Function(parameters: [.string, .int, .int]) { args in
            let source = string(args[0])
            guard !source.isEmpty else { return .string(source) }
            return .string(String(repeating: " ", count: max(0, int(args[1]))) + source
                + String(repeating: " ", count: max(0, int(args[2]))))
        },
        "truncate": Function(parameters: [.string, .int]) { args throws(Failure) in
            let bytes = Array(string(args[0]).utf8)
            let length = int(args[1])
            if bytes.count < length { return .string(string(args[0])) }
            guard length >= 0 else { throw Failure(message: "runtime error: slice bounds out of range [:\(length)]") }
            return .string(String(decoding: bytes[..<length], as: UTF8.self))
        },
    ]

    private static let header: [String: Function] = [
        "json": identity([.string]),
        "split": identity([.string, .string]),
        "join": identity([.string, .string]),
        "title": identity([.string]),
        "lower": identity([.string]),
        "upper": identity([.string]),
        "truncate": identity([.string, .int]),
    ]

    private static func identity(_ parameters: [TemplateMethod.Parameter]) -> Function {
        Function(parameters: parameters) { args in args[0] }
    }

    private static func string(_ value: TemplateValue?) -> String {
        if case .string(let s)? = value { return s }
        return ""
    }

    private static func int(_ value: TemplateValue?) -> Int {
        if case .int(let i)? = value { return i }
        return 0
    }

    /// `strings.Split`: an empty separator splits after each UTF-8 sequence.
    static func split(_ s: String, by separator: String) -> [String] {
        if separator.isEmpty { return s.unicodeScalars.map { String($0) } }
        var parts: [String] = []
        var rest = Substring(s)
        while let range = rest.range(of: separator) {
            parts.append(String(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        parts.append(String(rest))
        return parts
    }

    /// `strings.Title`: upper-cases the first letter of each word.
    static func title(_ s: String) -> String {
        var out = String.UnicodeScalarView()
        var previous: Unicode.Scalar = " "
        for scalar in s.unicodeScalars {
            if isSeparator(previous) {
                out.append(contentsOf: String(scalar).uppercased().unicodeScalars)
            } else {
                out.append(scalar)
            }
            previous = scalar
        }
        return String(out)
    }

    private static func isSeparator(_ r: Unicode.Scalar) -> Bool {
        if r.isASCII {
            let c = Character(r)
            return !(c.isLetter || c.isNumber || c == "_")
        }
        if TemplateLexer.isAlphaNumeric(r) { return false }
        return r.properties.isWhitespace
    }
}
