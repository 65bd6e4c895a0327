/// Go literal syntax used inside template actions: `strconv.Unquote`, `strconv.ParseInt(s, 0, 64)`
/// and `strconv.ParseFloat`.
enum GoLiteral {
    /// Unquotes a `"…"` or `` `…` `` literal; `nil` is Go's "invalid syntax".
    static func unquote(_ literal: String) -> String? {
        let scalars = Array(literal.unicodeScalars)
        guard scalars.count >= 2, let quote = scalars.first, scalars.last == quote else { return nil }
        let body = scalars[1..<(scalars.count - 1)]
        if quote == "`" {
            guard !body.contains("`") else { return nil }
            var view = String.UnicodeScalarView()
            view.append(contentsOf: body.filter { $0 != "\r" })
            return String(view)
        }
        guard quote == "\"" else { return nil }
        var bytes: [UInt8] = []
        var i = body.startIndex
        while i < body.endIndex {
            let c = body[i]
            if c == "\"" || c == "\n" { return nil }
            guard c == "\\" else {
                bytes.append(contentsOf: String(c).utf8)
                i += 1
                continue
            }
            guard let (decoded, next) = escape(body, at: i + 1, quote: "\"") else { return nil }
            bytes.append(contentsOf: decoded)
            i = next
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The rune of a `'x'` literal.
    static func unquoteChar(_ literal: String) -> Unicode.Scalar? {
        let scalars = Array(literal.unicodeScalars)
        guard scalars.count >= 3, scalars.first == "'", scalars.last == "'" else { return nil }
        let body = scalars[1..<(scalars.count - 1)]
        if body.count == 1, let c = body.first, c != "\\", c != "'" { return c }
        guard body.first == "\\", let (bytes, next) = escape(body, at: body.startIndex + 1, quote: "'"),
            next == body.endIndex
        else { return nil }
        return String(decoding: bytes, as: UTF8.self).unicodeScalars.first
    }

    /// Decodes one escape after a backslash at `i`; returns its UTF-8 bytes and the next index.
    private static func escape(
        _ s: ArraySlice<Unicode.Scalar>, at i: Int, quote: Unicode.Scalar
    ) -> ([UInt8], Int)? {
        guard i < s.endIndex else { return nil }
        let simple: [Unicode.Scalar: UInt8] = [
            "a": 7, "b": 8, "f": 12, "n": 10, "r": 13, "t": 9, "v": 11, "\\": 92,
        ]
        let c = s[i]
        if let byte = simple[c] { return ([byte], i + 1) }
        if c == quote { return ([UInt8(quote.value)], i + 1) }
        func hex(_ count: Int) -> UInt32? {
            guard i + count < s.endIndex else { return nil }
            var v: UInt32 = 0
            for j in (i + 1)...(i + count) {
                guard s[j].isASCII, let d = UInt32(String(s[j]), radix: 16) else { return nil }
                v = v * 16 + d
            }
            return v
        }
        switch c {
        case "x":
            guard let v = hex(2) else { return nil }
            return ([UInt8(v)], i + 3)
        case "u", "U":
            let n = c == "u" ? 4 : 8
            guard let v = hex(n), let scalar = Unicode.Scalar(v) else { return nil }
            return (Array(String(scalar).utf8), i + 1 + n)
        case "0"..."7":
            guard i + 2 < s.endIndex else { return nil }
            var v: UInt32 = 0
            for j in i..<(i + 3) {
                guard let d = UInt32(String(s[j]), radix: 8) else { return nil }
                v = v * 8 + d
            }
            guard v <= 255 else { return nil }
            return ([UInt8(v)], i + 3)
        default:
            return nil
        }
    }

    /// `strconv.ParseInt(text, 0, 64)`: optional sign, `0x`/`0o`/`0b`/leading-`0` bases, `_` separators.
    static func parseInt(_ text: String) -> Int? {
        var s = Substring(text)
        var negative = false
        if let first = s.first, first == "+" || first == "-" {
            negative = first == "-"
            s = s.dropFirst()
        }
        guard let magnitude = parseUInt(String(s)) else { return nil }
        if negative {
            guard magnitude <= UInt64(Int.max) + 1 else { return nil }
            return magnitude == UInt64(Int.max) + 1 ? Int.min : -Int(magnitude)
        }
        return magnitude <= UInt64(Int.max) ? Int(magnitude) : nil
    }

    /// `strconv.ParseUint(text, 0, 64)`.
    static func parseUInt(_ text: String) -> UInt64? {
        var s = Substring(text)
        if s.first == "+" { s = s.dropFirst() }
        var radix = 10
        let lower = s.lowercased()
        if lower.hasPrefix("0x") {
            radix = 16
            s = s.dropFirst(2)
        } else if lower.hasPrefix("0o") {
            radix = 8
            s = s.dropFirst(2)
        } else if lower.hasPrefix("0b") {
            radix = 2
            s = s.dropFirst(2)
        } else if s.count > 1 && s.first == "0" {
            radix = 8
            s = s.dropFirst()
        }
        let digits = s.filter { $0 != "_" }
        guard !digits.isEmpty, !s.hasPrefix("__"), !s.hasSuffix("_") else { return nil }
        return UInt64(digits, radix: radix)
    }

    /// `strconv.ParseFloat(text, 64)` for decimal and hexadecimal literals.
    static func parseFloat(_ text: String) -> Double? {
        let cleaned = text.filter { $0 != "_" }
        guard !cleaned.isEmpty, !cleaned.lowercased().contains("n"), let value = Double(cleaned),
            value.isFinite
        else { return nil }
        return value
    }
}
