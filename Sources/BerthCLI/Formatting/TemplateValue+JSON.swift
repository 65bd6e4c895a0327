extension TemplateValue {
    /// Why a JSON document could not be decoded.
    public struct JSONError: Error, CustomStringConvertible, Equatable {
        /// What went wrong and where (`invalid JSON at offset 12: expected ':'`).
        public var description: String
    }

    /// Decodes a JSON document, keeping object keys in wire order (which is the Go struct
    /// order for Engine API responses, so `{{json .}}` reproduces dockerd's output).
    /// Integers without fraction or exponent become ``int(_:)``; other numbers ``double(_:)``.
    public init(json: some Collection<UInt8>) throws(JSONError) {
        var reader = JSONReader(bytes: Array(json))
        reader.skipSpace()
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.index == reader.bytes.count else { throw reader.error("unexpected trailing data") }
        self = value
    }

    /// Compact JSON exactly like the docker CLI's `json` template function: Go's
    /// `json.Encoder` with HTML escaping off, object keys in stored order.
    public func jsonString() throws(JSONError) -> String {
        var out = ""
        try Self.encode(self, into: &out)
        return out
    }

    private static func encode(_ value: TemplateValue, into out: inout String) throws(JSONError) {
        switch value {
        case .string(let s): encodeString(s, into: &out)
        case .int(let i): out += String(i)
        case .double(let d):
            guard d.isFinite else { throw JSONError(description: "json: unsupported value: \(GoFormat.shortestG(d))") }
            out += GoFormat.jsonFloat(d)
        case .bool(let b): out += b ? "true" : "false"
        case .null: out += "null"
        case .array(let items):
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                try encode(item, into: &out)
            }
            out += "]"
        case .object(let pairs):
            out += "{"
            for (i, pair) in pairs.enumerated() {
                if i > 0 { out += "," }
                encodeString(pair.key, into: &out)
                out += ":"
                try encode(pair.value, into: &out)
            }
            out += "}"
        case .context(let c): try encode(c.jsonValue, into: &out)
        }
    }

    private static func encodeString(_ s: String, into out: inout String) {
        out += "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            // Go escapes the JavaScript line terminators even with HTML escaping off.
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 {
                    out += "\\u" + GoFormat.hex(scalar.value, width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }
}

/// A small RFC 8259 reader that preserves object key order.
private struct JSONReader {
    let bytes: [UInt8]
    var index = 0

    func error(_ message: String) -> TemplateValue.JSONError {
        TemplateValue.JSONError(description: "invalid JSON at offset \(index): \(message)")
    }

    mutating func skipSpace() {
        while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
    }

    mutating func expect(_ literal: String, _ value: TemplateValue) throws(TemplateValue.JSONError) -> TemplateValue {
        let expected = Array(literal.utf8)
        guard bytes.count - index >= expected.count, Array(bytes[index..<(index + expected.count)]) == expected else {
            throw error("invalid literal")
        }
        index += expected.count
        return value
    }

    mutating func value(depth: Int) throws(TemplateValue.JSONError) -> TemplateValue {
        guard depth < 512 else { throw error("nesting too deep") }
        guard index < bytes.count else { throw error("unexpected end of input") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var pairs: [(key: String, value: TemplateValue)] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
                index += 1
                return .object(pairs)
            }
            while true {
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw error("expected object key") }
                let key = try string()
                skipSpace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw error("expected ':'") }
                index += 1
                skipSpace()
                pairs.append((key: key, value: try value(depth: depth + 1)))
                skipSpace()
                guard index < bytes.count else { throw error("unexpected end of input") }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "}") { return .object(pairs) }
                guard bytes[index - 1] == UInt8(ascii: ",") else { throw error("expected ',' or '}'") }
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [TemplateValue] = []
            skipSpace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
                index += 1
                return .array(items)
            }
            while true {
                skipSpace()
                items.append(try value(depth: depth + 1))
                skipSpace()
                guard index < bytes.count else { throw error("unexpected end of input") }
                index += 1
                if bytes[index - 1] == UInt8(ascii: "]") { return .array(items) }
                guard bytes[index - 1] == UInt8(ascii: ",") else { throw error("expected ',' or ']'") }
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        default: return try number()
        }
    }

    mutating func number() throws(TemplateValue.JSONError) -> TemplateValue {
        let start = index
        var isInteger = true
        while index < bytes.count {
            let b = bytes[index]
            if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
                isInteger = false
            } else if !(b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || (0x30...0x39).contains(b)) {
                break
            }
            index += 1
        }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        guard !text.isEmpty, text.first == "-" || text.first?.isNumber == true else { throw error("unexpected character") }
        if isInteger, let i = Int(text) { return .int(i) }
        guard let d = Double(text) else { throw error("invalid number \(text)") }
        return .double(d)
    }

    mutating func string() throws(TemplateValue.JSONError) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard index < bytes.count else { throw error("unterminated string") }
            let b = bytes[index]
            index += 1
            switch b {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard index < bytes.count else { throw error("unterminated string") }
                let e = bytes[index]
                index += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var code = try hex4()
                    if (0xD800..<0xDC00).contains(code), bytes.count - index >= 6,
                        bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
                    {
                        let save = index
                        index += 2
                        let low = try hex4()
                        if (0xDC00..<0xE000).contains(low) {
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        } else {
                            index = save
                        }
                    }
                    out.append(contentsOf: String(Unicode.Scalar(code) ?? "\u{FFFD}").utf8)
                default: throw error("invalid escape")
                }
            default:
                guard b >= 0x20 else { throw error("control character in string") }
                out.append(b)
            }
        }
    }

    mutating func hex4() throws(TemplateValue.JSONError) -> UInt32 {
        guard bytes.count - index >= 4,
            let v = UInt32(String(decoding: bytes[index..<(index + 4)], as: UTF8.self), radix: 16)
        else { throw error("invalid \\u escape") }
        index += 4
        return v
    }
}
