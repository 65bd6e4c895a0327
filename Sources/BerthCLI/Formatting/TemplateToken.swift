/// One token of a Go template, Go's `parse.item`.
struct TemplateToken: Equatable {
    enum Kind: Equatable {
        case error, bool, char, charConstant, complex, declare, assign, eof, field, identifier
        case leftDelim, leftParen, number, pipe, rawString, rightDelim, rightParen, space
        case string, text, variable
        // Keywords.
        case block, breakKeyword, continueKeyword, dot, define, elseKeyword, end, ifKeyword
        case nilKeyword, range, template, with

        var isKeyword: Bool {
            switch self {
            case .block, .breakKeyword, .continueKeyword, .dot, .define, .elseKeyword, .end,
                .ifKeyword, .nilKeyword, .range, .template, .with:
                true
            default: false
            }
        }
    }

    var kind: Kind
    /// Byte offset in the template source.
    var pos: Int
    var value: String
    var line: Int

    /// Go's `item.String()`, used in "unexpected …" messages.
    var description: String {
        switch kind {
        case .eof: return "EOF"
        case .error: return value
        case _ where kind.isKeyword: return "<\(value)>"
        default:
            if value.unicodeScalars.count > 10 {
                return String(GoFormat.quote(value).unicodeScalars.prefix(11)) + "..."
            }
            return GoFormat.quote(value)
        }
    }
}
