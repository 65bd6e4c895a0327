extension ImageHealthcheck {
    /// Parses what follows `HEALTHCHECK`: `NONE`, or `[--interval=D] [--timeout=D]
    /// [--start-period=D] [--start-interval=D] [--retries=N] CMD command`.
    init(parsing rest: String) throws(ImageChanges.Error) {
        var text = Substring(rest.trimmingWhitespace)
        var flags: [String: String] = [:]
        while text.hasPrefix("--") {
            let end = text.firstIndex(where: { $0.isWhitespace }) ?? text.endIndex
            let flag = text[text.index(text.startIndex, offsetBy: 2)..<end]
            guard let eq = flag.firstIndex(of: "=") else { throw .invalid("Missing a value on flag: --\(flag)") }
            let name = String(flag[..<eq])
            guard ["interval", "timeout", "start-period", "start-interval", "retries"].contains(name) else {
                throw .invalid("Unknown flag: \(name)")
            }
            flags[name] = String(flag[flag.index(after: eq)...])
            text = Substring(text[end...].trimmingWhitespace)
        }
        let (kind, command) = ImageChanges.splitKeyword(String(text))
        switch kind {
        case "none":
            guard command.isEmpty, flags.isEmpty else { throw .invalid("HEALTHCHECK NONE takes no arguments") }
            self.init(test: ["NONE"])
        case "cmd":
            guard !command.isEmpty else { throw .invalid("Missing command after HEALTHCHECK CMD") }
            let test = ImageChanges.jsonArray(command).map { ["CMD"] + $0 } ?? ["CMD-SHELL", command]
            var retries: Int?
            if let r = flags["retries"] {
                guard let n = Int(r) else { throw .invalid("strconv.ParseInt: parsing \"\(r)\": invalid syntax") }
                guard n >= 0 else { throw .invalid("--retries cannot be negative (\(n))") }
                retries = n
            }
            self.init(
                test: test, interval: try Self.interval(flags, "interval"), timeout: try Self.interval(flags, "timeout"),
                startPeriod: try Self.interval(flags, "start-period"), startInterval: try Self.interval(flags, "start-interval"),
                retries: retries)
        default:
            throw .invalid("Unknown type \"\(kind.uppercased())\" in HEALTHCHECK (try CMD)")
        }
    }

    /// A duration flag in nanoseconds: 0 or at least 1ms, as dockerd requires.
    private static func interval(_ flags: [String: String], _ name: String) throws(ImageChanges.Error) -> Int64? {
        guard let text = flags[name] else { return nil }
        guard let ns = goDuration(text) else { throw .invalid("time: invalid duration \"\(text)\"") }
        if ns == 0 { return 0 }
        guard ns >= 1_000_000 else { throw .invalid("Interval \"\(name)\" cannot be less than 1ms") }
        return ns
    }

    /// Go's `time.ParseDuration` (`1m30s`, `1.5h`, `250ms`) in nanoseconds; nil when malformed.
    static func goDuration(_ text: String) -> Int64? {
        if text == "0" { return 0 }
        var chars = Substring(text)
        var sign: Double = 1
        if chars.first == "-" || chars.first == "+" {
            if chars.first == "-" { sign = -1 }
            chars = chars.dropFirst()
        }
        guard !chars.isEmpty else { return nil }
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("μs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 6e10), ("h", 3.6e12)]
        var total: Double = 0
        while !chars.isEmpty {
            let number = chars.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, number != ".", let value = Double(number) else { return nil }
            chars = chars.dropFirst(number.count)
            let unitText = chars.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            chars = chars.dropFirst(unitText.count)
            total += value * unit.1
        }
        guard total * sign < 9.2e18 && total * sign > -9.2e18 else { return nil }
        return Int64(total * sign)
    }
}
