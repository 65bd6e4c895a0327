import BerthAPI
import BerthCore
import BerthImage

/// The filters of `GET /images/json` and `POST /images/prune`, read and applied as dockerd's
/// graph-driver image service does: `dangling`, `label` / `label!`, `reference` (shell globs, as
/// Go's `path.Match`), `before` / `since` (relative to named images) and `until` (a timestamp,
/// or a Go duration before now).
struct ImageFilter: Sendable {
    static let listKeys: Set<String> = ["dangling", "label", "before", "since", "reference", "until"]
    static let pruneKeys: Set<String> = ["dangling", "label", "label!", "until"]

    /// `dangling=true|false`; nil when not given.
    var dangling: Bool?
    /// `label=key` / `label=key=value`: all must hold.
    var labels: [String] = []
    /// `label!=…`: an image is left out when all of these hold.
    var notLabels: [String] = []
    /// `reference` globs; nil when not given.
    var references: [String]?
    /// Keep images created strictly before this instant (`before`, `until`: the earliest wins).
    var createdBefore: Timestamp?
    /// Keep images created strictly after this instant (`since`: the latest wins).
    var createdAfter: Timestamp?

    /// Validates `filters` against `accepted` with dockerd's messages; `created` gives the
    /// creation time of an image that `before` or `since` names (throwing dockerd's 404).
    init(
        _ filters: Filters, accepted: Set<String>, now: Timestamp = .now(),
        created: (String) async throws -> Timestamp?
    ) async throws {
        do { try filters.validate(accepted: accepted) } catch { throw error.berthError }
        if filters.contains("dangling") {
            let values = Set(filters.get("dangling"))
            let isTrue = values.contains("1") || values.contains("true")
            let isFalse = values.contains("0") || values.contains("false")
            guard isTrue != isFalse else {
                let shown = values.isEmpty ? "" : "=[\(filters.get("dangling").joined(separator: " "))]"
                throw BerthError.invalidArgument("invalid filter 'dangling\(shown)'")
            }
            dangling = isTrue
        }
        labels = filters.get("label")
        notLabels = filters.get("label!")
        if filters.contains("reference") { references = filters.get("reference") }
        for name in filters.get("before") {
            if let t = try await created(name), createdBefore.map({ t < $0 }) ?? true { createdBefore = t }
        }
        for text in filters.get("until") {
            guard let t = Self.instant(text, now: now) else {
                throw BerthError.invalidArgument(
                    "invalid value for 'until' filter: \"\(text)\" is not a timestamp (2006-01-02T15:04:05Z, Unix seconds) or a duration (10m, 24h)")
            }
            if createdBefore.map({ t < $0 }) ?? true { createdBefore = t }
        }
        for name in filters.get("since") {
            if let t = try await created(name), createdAfter.map({ t > $0 }) ?? true { createdAfter = t }
        }
    }

    /// Whether an image created at `created` with `labels` passes the time and label filters.
    func admits(created: Timestamp?, labels imageLabels: [String: String]?) -> Bool {
        if let createdBefore {
            guard let created, created < createdBefore else { return false }
        }
        if let createdAfter {
            guard let created, created > createdAfter else { return false }
        }
        if !labels.isEmpty {
            guard let imageLabels, Self.allMatch(labels, imageLabels) else { return false }
        }
        if !notLabels.isEmpty, let imageLabels, Self.allMatch(notLabels, imageLabels) { return false }
        return true
    }

    /// The tags (familiar `name:tag`) that some `reference` glob matches, tried against the
    /// familiar and full forms with and without the tag; all of them without `reference`.
    func matchingTags(_ tags: [String]) throws(BerthError) -> [String] {
        guard let references else { return tags }
        var kept: [String] = []
        for tag in tags {
            var targets = [tag]
            if let r = try? ImageReference(parsing: tag) {
                targets = [r.familiarString, r.familiarName, r.description, r.name]
            }
            search: for pattern in references {
                for target in targets {
                    if try Glob.match(pattern, target) {
                        kept.append(tag)
                        break search
                    }
                }
            }
        }
        return kept
    }

    /// dockerd's `MatchKVList`: every `key` or `key=value` holds in `labels` (which must not be empty).
    private static func allMatch(_ filters: [String], _ labels: [String: String]) -> Bool {
        !labels.isEmpty && FilterMatch.labels(filters, labels)
    }

    /// A timestamp (RFC 3339, a date, Unix seconds) or a Go duration counted back from `now`.
    static func instant(_ text: String, now: Timestamp) -> Timestamp? {
        if let d = duration(text) { return Timestamp(nanoseconds: now.nanoseconds - d) }
        if let t = Timestamp(parsing: text) { return t }
        if text.utf8.count == 10 { return Timestamp(parsing: text + "T00:00:00Z") }
        return nil
    }

    /// Go duration strings (`10m`, `1h30m`, `1.5h`, `-5s`) in nanoseconds; nil if malformed.
    static func duration(_ text: String) -> Int64? {
        var s = Substring(text)
        let negative = s.hasPrefix("-")
        if negative || s.hasPrefix("+") { s = s.dropFirst() }
        guard !s.isEmpty else { return nil }
        if s == "0" { return 0 }
        let units: [(String, Double)] = [("ns", 1), ("us", 1e3), ("µs", 1e3), ("ms", 1e6), ("s", 1e9), ("m", 60e9), ("h", 3600e9)]
        var total = 0.0
        while !s.isEmpty {
            let number = s.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard let value = Double(number) else { return nil }
            s = s.dropFirst(number.count)
            let unitText = s.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = units.first(where: { $0.0 == unitText }) else { return nil }
            s = s.dropFirst(unitText.count)
            total += value * unit.1
        }
        guard total < 9.2e18 else { return nil }
        return Int64(negative ? -total : total)
    }
}

/// Go's `path.Match`: `*` is any run of characters but `/`, `?` one such character, `[…]` a
/// class (`^` negates, `a-z` ranges, `\` escapes). Matched by dynamic programming, so a
/// pattern full of stars costs O(pattern × name), never exponential time.
private enum Glob {
    private enum Token {
        case star, one, literal(Unicode.Scalar)
        case set(negated: Bool, ranges: [ClosedRange<Unicode.Scalar>])
    }

    static func match(_ pattern: String, _ name: String) throws(BerthError) -> Bool {
        guard let tokens = parse(Array(pattern.unicodeScalars)) else {
            throw .invalidArgument("syntax error in pattern")
        }
        let s = Array(name.unicodeScalars)
        // next[j]: tokens[i+1...] match s[j...]; row[j]: tokens[i...] match s[j...].
        var next = [Bool](repeating: false, count: s.count + 1)
        next[s.count] = true
        for token in tokens.reversed() {
            var row = [Bool](repeating: false, count: s.count + 1)
            for j in stride(from: s.count, through: 0, by: -1) {
                let c = j < s.count ? s[j] : nil
                switch token {
                case .star: row[j] = next[j] || (c != nil && c != "/" && row[j + 1])
                case .one: row[j] = c != nil && c != "/" && next[j + 1]
                case .literal(let l): row[j] = c == l && next[j + 1]
                case .set(let negated, let ranges):
                    guard let c else { break }
                    row[j] = ranges.contains { $0.contains(c) } != negated && next[j + 1]
                }
            }
            next = row
        }
        return next[0]
    }

    /// The tokens of a pattern; nil when it is malformed (Go's `ErrBadPattern`).
    private static func parse(_ p: [Unicode.Scalar]) -> [Token]? {
        var tokens: [Token] = []
        var i = 0
        /// A class member: a character, or `\` and any character; `-` and `]` must be escaped.
        func member() -> Unicode.Scalar? {
            guard i < p.count, p[i] != "-", p[i] != "]" else { return nil }
            if p[i] == "\\" { i += 1 }
            guard i < p.count else { return nil }
            defer { i += 1 }
            return p[i]
        }
        while i < p.count {
            switch p[i] {
            case "*": tokens.append(.star); i += 1
            case "?": tokens.append(.one); i += 1
            case "\\":
                guard i + 1 < p.count else { return nil }
                tokens.append(.literal(p[i + 1])); i += 2
            case "[":
                i += 1
                let negated = i < p.count && p[i] == "^"
                if negated { i += 1 }
                var ranges: [ClosedRange<Unicode.Scalar>] = []
                while true {
                    if i < p.count, p[i] == "]", !ranges.isEmpty { i += 1; break }
                    guard let lo = member() else { return nil }
                    var hi = lo
                    if i < p.count, p[i] == "-" {
                        i += 1
                        guard let h = member(), lo <= h else { return nil }
                        hi = h
                    }
                    ranges.append(lo...hi)
                }
                tokens.append(.set(negated: negated, ranges: ranges))
            default: tokens.append(.literal(p[i])); i += 1
            }
        }
        return tokens
    }
}
