/// Splits a template into tokens exactly as Go's `text/template/parse` lexer does
/// (delimiters `{{ }}`, trim markers `{{- ` and ` -}}`, comments, Go literals).
struct TemplateLexer {
    private static let keywords: [String: TemplateToken.Kind] = [
        ".": .dot, "block": .block, "break": .breakKeyword, "continue": .continueKeyword,
        "define": .define, "else": .elseKeyword, "end": .end, "if": .ifKeyword,
        "range": .range, "nil": .nilKeyword, "template": .template, "with": .with,
    ]

    private let scalars: [Unicode.Scalar]
    /// Byte offset of each scalar, plus one past the end.
    private let offsets: [Int]
    private var pos = 0
    private var start = 0
    private var line = 1
    private var startLine = 1
    private var parenDepth = 0
    private var tokens: [TemplateToken] = []

    init(_ source: String) {
        scalars = Array(source.unicodeScalars)
        var offsets: [Int] = []
        offsets.reserveCapacity(scalars.count + 1)
        var offset = 0
        for s in scalars {
            offsets.append(offset)
            offset += UTF8.width(s)
        }
        offsets.append(offset)
        self.offsets = offsets
    }

    /// All tokens, ending with `.eof` or `.error`.
    static func tokenize(_ source: String) -> [TemplateToken] {
        var lexer = TemplateLexer(source)
        lexer.run()
        return lexer.tokens
    }

    private mutating func run() {
        var insideAction = false
        while true {
            let more = insideAction ? lexInsideAction() : lexText()
            guard let more else { return }
            insideAction = more
        }
    }

    // MARK: Helpers

    private func peek(_ offset: Int = 0) -> Unicode.Scalar? {
        pos + offset < scalars.count ? scalars[pos + offset] : nil
    }

    private func hasPrefix(_ s: String, at index: Int) -> Bool {
        var i = index
        for c in s.unicodeScalars {
            guard i < scalars.count, scalars[i] == c else { return false }
            i += 1
        }
        return true
    }

    private func text(_ from: Int, _ to: Int) -> String {
        var s = String.UnicodeScalarView()
        s.append(contentsOf: scalars[from..<to])
        return String(s)
    }

    private mutating func emit(_ kind: TemplateToken.Kind) {
        let value = text(start, pos)
        tokens.append(TemplateToken(kind: kind, pos: offsets[start], value: value, line: startLine))
        line += value.unicodeScalars.filter { $0 == "\n" }.count
        start = pos
        startLine = line
    }

    private mutating func ignore() {
        line += text(start, pos).unicodeScalars.filter { $0 == "\n" }.count
        start = pos
        startLine = line
    }

    /// Emits an error token and stops lexing.
    private mutating func error(_ message: String) -> Bool? {
        tokens.append(TemplateToken(kind: .error, pos: offsets[start], value: message, line: startLine))
        return nil
    }

    private static func isSpace(_ c: Unicode.Scalar?) -> Bool {
        c == " " || c == "\t" || c == "\r" || c == "\n"
    }

    static func isAlphaNumeric(_ c: Unicode.Scalar?) -> Bool {
        guard let c else { return false }
        if c == "_" { return true }
        switch c.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber:
            return true
        default: return false
        }
    }

    private func hasLeftTrimMarker(at i: Int) -> Bool {
        i + 1 < scalars.count && scalars[i] == "-" && Self.isSpace(scalars[i + 1])
    }

    private func hasRightTrimMarker(at i: Int) -> Bool {
        i + 1 < scalars.count && Self.isSpace(scalars[i]) && scalars[i + 1] == "-"
    }

    private func atRightDelim() -> (delim: Bool, trim: Bool) {
        if hasRightTrimMarker(at: pos) && hasPrefix("}}", at: pos + 2) { return (true, true) }
        return (hasPrefix("}}", at: pos), false)
    }

    private func leadingSpaceCount(from i: Int) -> Int {
        var n = 0
        while i + n < scalars.count, Self.isSpace(scalars[i + n]) { n += 1 }
        return n
    }

    // MARK: States (return true when inside an action, false for text, nil when done)

    private mutating func lexText() -> Bool? {
        var x = pos
        while x < scalars.count, !hasPrefix("{{", at: x) { x += 1 }
        guard x < scalars.count else {
            pos = scalars.count
            if pos > start { emit(.text) }
            emit(.eof)
            return nil
        }
        if x > pos {
            pos = x
            var trimmed = pos
            if hasLeftTrimMarker(at: pos + 2) {
                while trimmed > start, Self.isSpace(scalars[trimmed - 1]) { trimmed -= 1 }
            }
            let end = pos
            pos = trimmed
            if pos > start { emit(.text) }
            pos = end
            ignore()
        }
        return lexLeftDelim()
    }

    private mutating func lexLeftDelim() -> Bool? {
        pos += 2
        let trim = hasLeftTrimMarker(at: pos)
        let afterMarker = trim ? 2 : 0
        if hasPrefix("/*", at: pos + afterMarker) {
            pos += afterMarker
            ignore()
            return lexComment()
        }
        emit(.leftDelim)
        pos += afterMarker
        ignore()
        parenDepth = 0
        return true
    }

    private mutating func lexComment() -> Bool? {
        pos += 2
        var x = pos
        while x < scalars.count, !hasPrefix("*/", at: x) { x += 1 }
        guard x < scalars.count else { return error("unclosed comment") }
        pos = x + 2
        let (delim, trim) = atRightDelim()
        guard delim else { return error("comment ends before closing delimiter") }
        pos += (trim ? 2 : 0) + 2
        if trim { pos += leadingSpaceCount(from: pos) }
        ignore()
        return false
    }

    private mutating func lexRightDelim() -> Bool? {
        let trim = atRightDelim().trim
        if trim {
            pos += 2
            ignore()
        }
        pos += 2
        emit(.rightDelim)
        if trim {
            pos += leadingSpaceCount(from: pos)
            ignore()
        }
        return false
    }

    private mutating func lexInsideAction() -> Bool? {
        let (delim, _) = atRightDelim()
        if delim {
            if parenDepth == 0 { return lexRightDelim() }
            return error("unclosed left paren")
        }
        guard let r = peek() else { return error("unclosed action") }
        pos += 1
        switch r {
        case _ where Self.isSpace(r):
            pos -= 1
            return lexSpace()
        case "=":
            emit(.assign)
        case ":":
            guard peek() == "=" else { return error("expected :=") }
            pos += 1
            emit(.declare)
        case "|":
            emit(.pipe)
        case "\"":
            return lexQuote()
        case "`":
            return lexRawQuote()
        case "$":
            return lexVariable()
        case "'":
            return lexChar()
        case ".":
            if let next = peek(), next < "0" || next > "9" {
                return lexFieldOrVariable(.field)
            }
            pos -= 1
            return lexNumber()
        case "+", "-", "0"..."9":
            pos -= 1
            return lexNumber()
        case _ where Self.isAlphaNumeric(r):
            pos -= 1
            return lexIdentifier()
        case "(":
            emit(.leftParen)
            parenDepth += 1
        case ")":
            emit(.rightParen)
            parenDepth -= 1
            if parenDepth < 0 { return error("unexpected right paren") }
        case _ where r.isASCII && r.value >= 0x20 && r.value < 0x7f:
            emit(.char)
        default:
            return error("unrecognized character in action: \(GoFormat.unicodeDescription(r))")
        }
        return true
    }

    private mutating func lexSpace() -> Bool? {
        var count = 0
        while Self.isSpace(peek()) {
            pos += 1
            count += 1
        }
        // A trim-marked closing delimiter is " -}}": leave its space to the delimiter.
        if hasRightTrimMarker(at: pos - 1) && hasPrefix("}}", at: pos + 1) {
            pos -= 1
            if count == 1 { return lexRightDelim() }
        }
        emit(.space)
        return true
    }

    private mutating func lexIdentifier() -> Bool? {
        while Self.isAlphaNumeric(peek()) { pos += 1 }
        guard atTerminator() else { return error("bad character \(GoFormat.unicodeDescription(peek()))") }
        let word = text(start, pos)
        if let keyword = Self.keywords[word] {
            emit(keyword)
        } else if word == "true" || word == "false" {
            emit(.bool)
        } else {
            emit(.identifier)
        }
        return true
    }

    private mutating func lexVariable() -> Bool? {
        if atTerminator() {
            emit(.variable)
            return true
        }
        return lexFieldOrVariable(.variable)
    }

    private mutating func lexFieldOrVariable(_ kind: TemplateToken.Kind) -> Bool? {
        if atTerminator() {
            emit(kind == .variable ? .variable : .dot)
            return true
        }
        while Self.isAlphaNumeric(peek()) { pos += 1 }
        guard atTerminator() else { return error("bad character \(GoFormat.unicodeDescription(peek()))") }
        emit(kind)
        return true
    }

    private func atTerminator() -> Bool {
        guard let r = peek() else { return true }
        if Self.isSpace(r) { return true }
        switch r {
        case ".", ",", "|", ":", ")", "(", "}": return true
        default: return false
        }
    }

    private mutating func lexChar() -> Bool? {
        while true {
            guard let c = peek(), c != "\n" else { return error("unterminated character constant") }
            pos += 1
            if c == "\\" {
                guard let e = peek(), e != "\n" else { return error("unterminated character constant") }
                pos += 1
            } else if c == "'" {
                break
            }
        }
        emit(.charConstant)
        return true
    }

    private mutating func lexNumber() -> Bool? {
        guard scanNumber() else { return error("bad number syntax: \(GoFormat.quote(text(start, pos)))") }
        if let sign = peek(), sign == "+" || sign == "-" {
            guard scanNumber(), scalars[pos - 1] == "i" else {
                return error("bad number syntax: \(GoFormat.quote(text(start, pos)))")
            }
            emit(.complex)
        } else {
            emit(.number)
        }
        return true
    }

    private mutating func accept(_ valid: String) -> Bool {
        guard let c = peek(), valid.unicodeScalars.contains(c) else { return false }
        pos += 1
        return true
    }

    private mutating func acceptRun(_ valid: String) {
        while accept(valid) {}
    }

    private mutating func scanNumber() -> Bool {
        _ = accept("+-")
        var digits = "0123456789_"
        if accept("0") {
            if accept("xX") {
                digits = "0123456789abcdefABCDEF_"
            } else if accept("oO") {
                digits = "01234567_"
            } else if accept("bB") {
                digits = "01_"
            }
        }
        acceptRun(digits)
        if accept(".") { acceptRun(digits) }
        if digits.count == 11 && accept("eE") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        if digits.count == 23 && accept("pP") {
            _ = accept("+-")
            acceptRun("0123456789_")
        }
        _ = accept("i")
        if Self.isAlphaNumeric(peek()) {
            pos += 1
            return false
        }
        return true
    }

    private mutating func lexQuote() -> Bool? {
        while true {
            guard let c = peek(), c != "\n" else { return error("unterminated quoted string") }
            pos += 1
            if c == "\\" {
                guard let e = peek(), e != "\n" else { return error("unterminated quoted string") }
                pos += 1
            } else if c == "\"" {
                break
            }
        }
        emit(.string)
        return true
    }

    private mutating func lexRawQuote() -> Bool? {
        while true {
            guard let c = peek() else { return error("unterminated raw quoted string") }
            pos += 1
            if c == "`" { break }
        }
        emit(.rawString)
        return true
    }
}
