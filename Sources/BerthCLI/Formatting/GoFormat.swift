import Foundation

/// Go's `fmt` and `strconv` text forms, so template output matches the docker CLI byte for byte.
enum GoFormat {
    // MARK: %v

    /// `fmt.Sprint(v)`: `[a b]` for slices, `map[k:v]` with sorted keys, `<nil>` for nil.
    static func print(_ value: TemplateValue) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return shortestG(d)
        case .bool(let b): return b ? "true" : "false"
        case .null: return "<nil>"
        case .array(let items): return "[" + items.map(print).joined(separator: " ") + "]"
        case .object(let pairs):
            let sorted = pairs.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            return "map[" + sorted.map { "\($0.key):\(print($0.value))" }.joined(separator: " ") + "]"
        case .context(let c): return print(c.jsonValue)
        }
    }

    /// `fmt.Sprint(args...)`: a space between operands when neither is a string.
    static func sprint(_ args: [TemplateValue?]) -> String {
        var out = ""
        var previousIsString = false
        for (i, arg) in args.enumerated() {
            let isString = if case .string = arg { true } else { false }
            if i > 0 && !isString && !previousIsString { out += " " }
            out += arg.map(print) ?? "<nil>"
            previousIsString = isString
        }
        return out
    }

    /// `fmt.Sprintln(args...)`: always spaced, newline-terminated.
    static func sprintln(_ args: [TemplateValue?]) -> String {
        args.map { $0.map(print) ?? "<nil>" }.joined(separator: " ") + "\n"
    }

    // MARK: Floats

    /// The shortest decimal digits that round-trip `d` (no sign), and the position of the
    /// decimal point: value = 0.d1d2… × 10^point.
    static func decimalDigits(_ d: Double) -> (digits: [Character], point: Int) {
        let text = "\(abs(d))"
        let parts = text.split(separator: "e", maxSplits: 1)
        let exponent = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
        let mantissa = parts[0].split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        var digits = Array(mantissa[0]) + (mantissa.count > 1 ? Array(mantissa[1]) : [])
        var point = mantissa[0].count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        if digits.isEmpty { return (["0"], 1) }
        return (digits, point)
    }

    /// `strconv.FormatFloat(d, 'g', -1, 64)`, which is what `%v` prints.
    static func shortestG(_ d: Double) -> String {
        if let special = nonFinite(d) { return special }
        let (digits, point) = decimalDigits(d)
        // strconv's 'g' with the shortest precision switches to %e at exponent -5 or 6.
        let exp = point - 1
        if exp < -4 || exp >= 6 {
            return exponential(d, digits: digits, point: point, minExponentDigits: 2)
        }
        return fixed(d, digits: digits, point: point)
    }

    /// `encoding/json`'s float form: plain decimal unless tiny or huge, `e-7` not `e-07`.
    static func jsonFloat(_ d: Double) -> String {
        let magnitude = abs(d)
        let (digits, point) = decimalDigits(d)
        if magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21) {
            return exponential(d, digits: digits, point: point, minExponentDigits: 1)
        }
        return fixed(d, digits: digits, point: point)
    }

    private static func nonFinite(_ d: Double) -> String? {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Inf" : "+Inf" }
        return nil
    }

    private static func fixed(_ d: Double, digits: [Character], point: Int) -> String {
        let sign = d.sign == .minus && d != 0 ? "-" : ""
        if d == 0 { return d.sign == .minus ? "-0" : "0" }
        if point <= 0 { return sign + "0." + String(repeating: "0", count: -point) + String(digits) }
        if point >= digits.count { return sign + String(digits) + String(repeating: "0", count: point - digits.count) }
        return sign + String(digits[..<point]) + "." + String(digits[point...])
    }

    private static func exponential(_ d: Double, digits: [Character], point: Int, minExponentDigits: Int) -> String {
        let sign = d.sign == .minus ? "-" : ""
        var s = sign + String(digits[0])
        if digits.count > 1 { s += "." + String(digits[1...]) }
        let exp = point - 1
        var expDigits = String(abs(exp))
        while expDigits.count < minExponentDigits { expDigits = "0" + expDigits }
        return s + "e" + (exp < 0 ? "-" : "+") + expDigits
    }

    // MARK: Quoting

    /// `strconv.Quote`.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            default:
                if isPrint(scalar) {
                    out.unicodeScalars.append(scalar)
                } else if scalar.value < 0x80 {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if scalar.value < 0x10000 {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out += "\\U" + hex(scalar.value, width: 8)
                }
            }
        }
        return out + "\""
    }

    /// `%#U`: `U+0041 'A'`.
    static func unicodeDescription(_ scalar: Unicode.Scalar?) -> String {
        guard let scalar else { return "U+FFFFFFFFFFFFFFFF" }
        let code = "U+" + hex(scalar.value, width: 4).uppercased()
        return isPrint(scalar) ? "\(code) '\(scalar)'" : code
    }

    /// `unicode.IsPrint`: graphic characters and the ASCII space.
    static func isPrint(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == " " { return true }
        switch scalar.properties.generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator,
            .paragraphSeparator, .spaceSeparator:
            return false
        default:
            return true
        }
    }

    static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
