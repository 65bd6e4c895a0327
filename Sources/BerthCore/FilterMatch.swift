/// How dockerd matches the values of a list endpoint's `filters`, shared by containers,
/// networks, images and events so each endpoint applies the same rules.
public enum FilterMatch {
    /// dockerd's `MatchKVList`: every `key` (present, any value) or `key=value` (exactly that
    /// value) holds in `labels`. The values of a `label` filter are all required.
    public static func labels(_ filters: [String], _ labels: [String: String]) -> Bool {
        filters.allSatisfy { f in
            let kv = f.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let key = kv.first, !key.isEmpty, let value = labels[String(key)] else { return false }
            return kv.count == 1 || kv[1] == value
        }
    }

    /// dockerd's `Match`: `s` equals `pattern`, or `pattern` as an unanchored regular expression
    /// finds it; a pattern that does not compile matches nothing.
    public static func pattern(_ pattern: String, _ s: String) -> Bool {
        if pattern == s { return true }
        guard let re = try? Regex(pattern) else { return false }
        return s.contains(re)
    }
}
