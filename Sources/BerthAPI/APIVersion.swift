/// A Docker Engine API version such as `1.41`.
public struct APIVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `1.41`; anything else is nil.
    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), a >= 0, b >= 0,
            parts.allSatisfy({ !$0.isEmpty && $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } })
        else { return nil }
        major = a
        minor = b
    }

    /// The newest API Berth speaks (what docker CLI 28 asks for).
    public static let current = APIVersion(1, 50)
    /// The oldest API Berth accepts.
    public static let minimum = APIVersion(1, 24)

    public var description: String { "\(major).\(minor)" }
    public static func < (l: Self, r: Self) -> Bool { (l.major, l.minor) < (r.major, r.minor) }
}
