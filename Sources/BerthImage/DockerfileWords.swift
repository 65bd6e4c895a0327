/// The Dockerfile shell-word rules `--change` values follow: quotes, backslash escapes and
/// `$VAR` / `${VAR}` / `${VAR:-default}` / `${VAR:+alternative}` expansion from the image's
/// environment (unset variables expand to nothing). Nothing here runs a shell.
enum DockerfileWords {
    /// Splits on unquoted whitespace, keeping quotes and escapes in the words
    /// (what the Dockerfile parser does before `key=value` splitting).
    static func rawWords(_ s: String) -> [String] {
        var words: [String] = []
        var word = ""
        var quote: Character?
        var escaped = false
        for ch in s {
            if escaped {
                word.append(ch)
                escaped = false
                continue
            }
            if ch == "\\" {
                word.append(ch)
                escaped = true
                continue
            }
            if let q = quote {
                word.append(ch)
                if ch == q { quote = nil }
                continue
            }
            if ch == "\"" || ch == "'" {
                quote = ch
                word.append(ch)
            } else if ch.isWhitespace {
                if !word.isEmpty { words.append(word) }
                word = ""
            } else {
                word.append(ch)
            }
        }
        if !word.isEmpty { words.append(word) }
        return words
    }

    /// One word with quotes removed, escapes applied and variables expanded; whitespace kept.
    static func process(_ s: String, env: [String]) throws(ImageChanges.Error) -> String {
        let words = try expand(s, env: env, split: false)
        return words.first ?? ""
    }

    /// Words split on unquoted whitespace, each processed like `process`.
    static func processWords(_ s: String, env: [String]) throws(ImageChanges.Error) -> [String] {
        try expand(s, env: env, split: true)
    }

    private static func expand(_ s: String, env: [String], split: Bool) throws(ImageChanges.Error) -> [String] {
        let chars = Array(s)
        var i = 0
        var words: [String] = []
        var word = ""
        var inWord = false
        func flush() {
            if inWord { words.append(word) }
            word = ""
            inWord = false
        }
        while i < chars.count {
            let ch = chars[i]
            switch ch {
            case "'":
                inWord = true
                i += 1
                while i < chars.count && chars[i] != "'" { word.append(chars[i]); i += 1 }
                guard i < chars.count else { throw .invalid("unexpected end of statement while looking for matching single-quote") }
                i += 1
            case "\"":
                inWord = true
                i += 1
                while i < chars.count && chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count, "\"$\\".contains(chars[i + 1]) {
                        word.append(chars[i + 1])
                        i += 2
                    } else if chars[i] == "$" {
                        word += try variable(chars, &i, env: env)
                    } else {
                        word.append(chars[i])
                        i += 1
                    }
                }
                guard i < chars.count else { throw .invalid("unexpected end of statement while looking for matching double-quote") }
                i += 1
            case "\\":
                inWord = true
                if i + 1 < chars.count { word.append(chars[i + 1]) }
                i += 2
            case "$":
                inWord = true
                word += try variable(chars, &i, env: env)
            default:
                if split && ch.isWhitespace {
                    flush()
                } else {
                    inWord = true
                    word.append(ch)
                }
                i += 1
            }
        }
        flush()
        return split ? words : [words.joined()]
    }

    /// Expands the variable at `chars[i]` (a `$`) and advances past it.
    private static func variable(_ chars: [Character], _ i: inout Int, env: [String]) throws(ImageChanges.Error) -> String {
        i += 1
        guard i < chars.count else { return "$" }
        if chars[i] == "{" {
            i += 1
            var name = ""
            while i < chars.count, isNameChar(chars[i]) { name.append(chars[i]); i += 1 }
            guard i < chars.count else { throw .invalid("missing '}' in substitution") }
            if chars[i] == "}" {
                i += 1
                return lookup(name, env) ?? ""
            }
            guard chars[i] == ":", i + 1 < chars.count, chars[i + 1] == "-" || chars[i + 1] == "+" else {
                throw .invalid("unsupported modifier (\(chars[i])) in substitution")
            }
            let modifier = chars[i + 1]
            i += 2
            var word = ""
            var depth = 0
            while i < chars.count, chars[i] != "}" || depth > 0 {
                if chars[i] == "{" { depth += 1 }
                if chars[i] == "}" { depth -= 1 }
                word.append(chars[i])
                i += 1
            }
            guard i < chars.count else { throw .invalid("missing '}' in substitution") }
            i += 1
            let value = lookup(name, env) ?? ""
            let alternative = try process(word, env: env)
            if modifier == "-" { return value.isEmpty ? alternative : value }
            return value.isEmpty ? "" : alternative
        }
        var name = ""
        while i < chars.count, isNameChar(chars[i]) { name.append(chars[i]); i += 1 }
        if name.isEmpty { return "$" }
        return lookup(name, env) ?? ""
    }

    private static func isNameChar(_ c: Character) -> Bool {
        c == "_" || (c.isASCII && (c.isLetter || c.isNumber))
    }

    private static func lookup(_ name: String, _ env: [String]) -> String? {
        for entry in env.reversed() {
            if entry.hasPrefix(name + "=") { return String(entry.dropFirst(name.count + 1)) }
        }
        return nil
    }
}
