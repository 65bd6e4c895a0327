/// Go's `eq`/`lt` semantics for template values: basic kinds compare, mixed kinds fail with
/// `incompatible types for comparison`, and a missing value only equals another missing value.
enum TemplateComparison {
    private enum Basic {
        case bool(Bool)
        case number(Double, exact: Int?)
        case string(String)
    }

    private static func basic(_ v: TemplateValue?) -> Basic? {
        switch v {
        case .bool(let b)?: .bool(b)
        case .int(let i)?: .number(Double(i), exact: i)
        case .double(let d)?: .number(d, exact: nil)
        case .string(let s)?: .string(s)
        default: nil
        }
    }

    private static func isNil(_ v: TemplateValue?) -> Bool {
        switch v {
        case nil, .null?: true
        default: false
        }
    }

    /// `eq a b`. Integers and floats compare numerically (Go would reject int vs float64, but
    /// JSON numbers have no static type here).
    static func equal(_ a: TemplateValue?, _ b: TemplateValue?) throws(TemplateFunctions.Failure) -> Bool {
        switch (basic(a), basic(b)) {
        case (.bool(let x)?, .bool(let y)?): return x == y
        case (.string(let x)?, .string(let y)?): return x == y
        case (.number(let x, let xi)?, .number(let y, let yi)?):
            if let xi, let yi { return xi == yi }
            return x == y
        case (_?, _?):
            throw TemplateFunctions.Failure(message: "incompatible types for comparison")
        case (nil, nil):
            if isNil(a) || isNil(b) { return isNil(a) && isNil(b) }
            throw TemplateFunctions.Failure(message: "non-comparable type \(b.map(GoFormat.print) ?? ""): \(b?.goTypeName ?? "")")
        default:
            if isNil(a) || isNil(b) { return false }
            throw TemplateFunctions.Failure(message: "incompatible types for comparison")
        }
    }

    /// `lt a b`.
    static func less(_ a: TemplateValue?, _ b: TemplateValue?) throws(TemplateFunctions.Failure) -> Bool {
        switch (basic(a), basic(b)) {
        case (.string(let x)?, .string(let y)?): return x.utf8.lexicographicallyPrecedes(y.utf8)
        case (.number(let x, let xi)?, .number(let y, let yi)?):
            if let xi, let yi { return xi < yi }
            return x < y
        case (.bool?, .bool?), (nil, _), (_, nil):
            throw TemplateFunctions.Failure(message: "invalid type for comparison")
        default:
            throw TemplateFunctions.Failure(message: "incompatible types for comparison")
        }
    }

    /// `le a b`: `lt`, then `eq`.
    static func lessOrEqual(_ a: TemplateValue?, _ b: TemplateValue?) throws(TemplateFunctions.Failure) -> Bool {
        if try less(a, b) { return true }
        return try equal(a, b)
    }
}
