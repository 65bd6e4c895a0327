import Foundation

extension TemplateFunctions {
    /// Go builtins that docker users rarely need but `text/template` always offers:
    /// `html`, `js`, `urlquery` and `slice`.
    static let escaping: [String: Function] = [
        "html": Function(parameters: [], variadic: .any) { args in .string(html(evalArgs(args))) },
        "js": Function(parameters: [], variadic: .any) { args in .string(js(evalArgs(args))) },
        "urlquery": Function(parameters: [], variadic: .any) { args in .string(urlQuery(evalArgs(args))) },
        "slice": Function(parameters: [.any], variadic: .any) { args throws(Failure) in
            try slice(args[0], Array(args.dropFirst()))
        },
    ]

    /// Go's `evalArgs`: a lone string as is, otherwise `fmt.Sprint` of the arguments.
    private static func evalArgs(_ args: [TemplateValue?]) -> String {
        if args.count == 1, case .string(let s)? = args[0] { return s }
        return GoFormat.sprint(args)
    }

    /// `template.HTMLEscapeString`.
    static func html(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "&#34;"
            case "'": out += "&#39;"
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\0": out += "\u{FFFD}"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// `template.JSEscapeString`.
    static func js(_ s: String) -> String {
        var out = ""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "'": out += "\\'"
            case "\"": out += "\\\""
            case "<": out += "\\u003C"
            case ">": out += "\\u003E"
            case "&": out += "\\u0026"
            case "=": out += "\\u003D"
            default:
                if scalar.value < 0x20 {
                    out += "\\u00" + GoFormat.hex(scalar.value, width: 2).uppercased()
                } else if scalar.value >= 0x80 && !GoFormat.isPrint(scalar) {
                    out += "\\u" + GoFormat.hex(scalar.value, width: 4).uppercased()
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    /// `url.QueryEscape`.
    static func urlQuery(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
                UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += "%" + GoFormat.hex(UInt32(byte), width: 2).uppercased()
            }
        }
        return out
    }

    /// Go's `slice x 1 2`: `x[1:2]` of a string (bytes) or a slice.
    private static func slice(_ item: TemplateValue?, _ indexes: [TemplateValue?]) throws(Failure) -> TemplateValue? {
        let length: Int
        switch item {
        case nil, .null?: throw Failure(message: "slice of untyped nil")
        case .string(let s)?:
            if indexes.count == 3 { throw Failure(message: "cannot 3-index slice a string") }
            length = s.utf8.count
        case .array(let a)?: length = a.count
        case let other?: throw Failure(message: "can't slice item of type \(other.goTypeName)")
        }
        if indexes.count > 3 { throw Failure(message: "too many slice indexes: \(indexes.count)") }
        var bounds = [0, length, length]
        for (i, index) in indexes.enumerated() {
            guard case .int(let x)? = index else {
                throw Failure(message: "cannot index slice/array with type \(index?.goTypeName ?? "<nil>")")
            }
            guard x >= 0, x <= length else { throw Failure(message: "index out of range: \(x)") }
            bounds[i] = x
        }
        if bounds[0] > bounds[1] { throw Failure(message: "invalid slice index: \(bounds[0]) > \(bounds[1])") }
        if indexes.count == 3 && bounds[1] > bounds[2] {
            throw Failure(message: "invalid slice index: \(bounds[1]) > \(bounds[2])")
        }
        switch item {
        case .string(let s)?: return .string(String(decoding: Array(s.utf8)[bounds[0]..<bounds[1]], as: UTF8.self))
        case .array(let a)?: return .array(Array(a[bounds[0]..<bounds[1]]))
        default: return item
        }
    }
}
