import Foundation

extension GoFormat {
    private struct Spec {
        var minus = false
        var plus = false
        var zero = false
        var space = false
        var sharp = false
        var width: Int?
        var precision: Int?
    }

    /// `fmt.Sprintf` for the verbs templates use: `%v %s %d %q %t %f %e %g %x %X %o %b %c %%`,
    /// flags `-+0 #`, width and precision. Mismatches print Go's `%!d(string=abc)` forms.
    static func sprintf(_ format: String, _ args: [TemplateValue?]) -> String {
        let chars = Array(format.unicodeScalars)
        var out = ""
        var argIndex = 0
        var i = 0
        while i < chars.count {
            let c = chars[i]
            i += 1
            guard c == "%" else {
                out.unicodeScalars.append(c)
                continue
            }
            var spec = Spec()
            flags: while i < chars.count {
                switch chars[i] {
                case "-": spec.minus = true
                case "+": spec.plus = true
                case "0": spec.zero = true
                case " ": spec.space = true
                case "#": spec.sharp = true
                default: break flags
                }
                i += 1
            }
            spec.width = number(chars, &i)
            if i < chars.count && chars[i] == "." {
                i += 1
                spec.precision = number(chars, &i) ?? 0
            }
            guard i < chars.count else {
                out += "%!(NOVERB)"
                break
            }
            let verb = chars[i]
            i += 1
            if verb == "%" {
                out += "%"
                continue
            }
            guard argIndex < args.count else {
                out += "%!\(verb)(MISSING)"
                continue
            }
            let arg = args[argIndex]
            argIndex += 1
            out += pad(formatArgument(arg, verb: verb, spec: spec), spec: spec, numeric: isNumeric(arg))
        }
        if argIndex < args.count {
            let extra = args[argIndex...].map { arg in
                arg.map { "\($0.goTypeName)=\(print($0))" } ?? "<nil>"
            }
            out += "%!(EXTRA " + extra.joined(separator: ", ") + ")"
        }
        return out
    }

    private static func number(_ chars: [Unicode.Scalar], _ i: inout Int) -> Int? {
        var value: Int?
        while i < chars.count, let digit = Int(String(chars[i])), chars[i].isASCII {
            value = (value ?? 0) * 10 + digit
            i += 1
        }
        return value
    }

    private static func isNumeric(_ arg: TemplateValue?) -> Bool {
        switch arg {
        case .int, .double: true
        default: false
        }
    }

    private static func pad(_ s: String, spec: Spec, numeric: Bool) -> String {
        guard let width = spec.width, s.count < width else { return s }
        let fill = width - s.count
        if spec.minus { return s + String(repeating: " ", count: fill) }
        if spec.zero && numeric {
            let signed = s.first == "-" || s.first == "+"
            let sign = signed ? String(s.prefix(1)) : ""
            return sign + String(repeating: "0", count: fill) + (signed ? String(s.dropFirst()) : s)
        }
        return String(repeating: " ", count: fill) + s
    }

    private static func bad(_ verb: Unicode.Scalar, _ arg: TemplateValue?) -> String {
        switch arg {
        case nil, .null?: "%!\(verb)(<nil>)"
        case let value?: "%!\(verb)(\(value.goTypeName)=\(print(value)))"
        }
    }

    private static func sign(_ s: String, _ spec: Spec, negative: Bool) -> String {
        if negative { return s }
        if spec.plus { return "+" + s }
        if spec.space { return " " + s }
        return s
    }

    private static func formatArgument(_ arg: TemplateValue?, verb: Unicode.Scalar, spec: Spec) -> String {
        switch (verb, arg) {
        case ("v", let value):
            return value.map(print) ?? "<nil>"
        case ("s", .string(let s)):
            return spec.precision.map { String(s.prefix($0)) } ?? s
        case ("s", .some(.array)), ("s", .some(.object)):
            return arg.map(print) ?? ""
        case ("q", .string(let s)):
            return quote(s)
        case ("t", .bool(let b)):
            return b ? "true" : "false"
        case ("d", .int(let n)):
            return sign(String(n), spec, negative: n < 0)
        case ("x", .int(let n)), ("X", .int(let n)):
            let s = (n < 0 ? "-" : "") + (spec.sharp ? "0x" : "") + String(n.magnitude, radix: 16, uppercase: verb == "X")
            return sign(s, spec, negative: n < 0)
        case ("o", .int(let n)), ("b", .int(let n)):
            let s = (n < 0 ? "-" : "") + String(n.magnitude, radix: verb == "o" ? 8 : 2)
            return sign(s, spec, negative: n < 0)
        case ("x", .string(let s)), ("X", .string(let s)):
            return s.utf8.map { String(format: verb == "x" ? "%02x" : "%02X", $0) }.joined()
        case ("c", .int(let n)):
            return Unicode.Scalar(UInt32(truncatingIfNeeded: n)).map { String($0) } ?? "\u{FFFD}"
        case ("q", .int(let n)):
            let s = Unicode.Scalar(UInt32(truncatingIfNeeded: n)).map { String($0) } ?? "\u{FFFD}"
            return "'" + String(quote(s).dropFirst().dropLast()) + "'"
        case ("f", .double(let d)), ("F", .double(let d)):
            return sign(String(format: "%.\(spec.precision ?? 6)f", d), spec, negative: d.sign == .minus)
        case ("e", .double(let d)), ("E", .double(let d)):
            let s = String(format: "%.\(spec.precision ?? 6)" + (verb == "e" ? "e" : "E"), d)
            return sign(s, spec, negative: d.sign == .minus)
        case ("g", .double(let d)), ("G", .double(let d)):
            let s = spec.precision.map { String(format: "%.\($0)g", d) } ?? shortestG(d)
            return sign(verb == "G" ? s.uppercased() : s, spec, negative: d.sign == .minus)
        default:
            return bad(verb, arg)
        }
    }
}
