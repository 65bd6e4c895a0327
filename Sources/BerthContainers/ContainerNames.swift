import BerthCore

/// Container names: dockerd's validity rule and random `adjective_noun` names for containers
/// created without one.
public enum ContainerNames {
    /// Whether `name` (without its leading `/`) is a valid container name: `[a-zA-Z0-9][a-zA-Z0-9_.-]+`.
    public static func isValid(_ name: String) -> Bool {
        let u = Array(name.utf8)
        guard u.count >= 2, isAlnum(u[0]) else { return false }
        return u.dropFirst().allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    private static func isAlnum(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
    }

    // Our own word lists: harbour and sea words, as befits a berth.
    private static let adjectives = [
        "amber", "brisk", "calm", "deep", "eager", "fair", "gentle", "hardy", "idle", "jolly", "keen", "lively",
        "merry", "nimble", "open", "quiet", "rapid", "steady", "tidal", "upbeat", "vivid", "windy", "young", "zesty",
    ]
    private static let nouns = [
        "anchor", "buoy", "capstan", "dinghy", "estuary", "ferry", "galley", "harbor", "inlet", "jetty", "keel",
        "lagoon", "mooring", "narrows", "outrigger", "pier", "quay", "reef", "schooner", "tugboat", "wharf", "yawl",
    ]

    /// A random name not in `taken`, with a numeric suffix if every plain pair is used.
    public static func random(avoiding taken: Set<String>) -> String {
        var g = SystemRandomNumberGenerator()
        for attempt in 0..<100 {
            let a = adjectives.randomElement(using: &g) ?? "calm"
            let n = nouns.randomElement(using: &g) ?? "harbor"
            let name = attempt < 50 ? "\(a)_\(n)" : "\(a)_\(n)\(Int.random(in: 1...9999, using: &g))"
            if !taken.contains(name) { return name }
        }
        return "berth_" + Identifier.random().prefix(12)
    }
}
