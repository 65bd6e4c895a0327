/// Object identifiers in dockerd's format: 64 lowercase hex characters, shown shortened to 12.
public enum Identifier {
    /// A new random 64-hex identifier (256 bits from the system's CSPRNG).
    public static func random() -> String {
        var g = SystemRandomNumberGenerator()
        var s = ""
        s.reserveCapacity(64)
        for _ in 0..<4 {
            let v: UInt64 = g.next()
            let hex = String(v, radix: 16)
            s += String(repeating: "0", count: 16 - hex.count) + hex
        }
        return s
    }

    /// The 12-character short form the docker CLI prints.
    public static func short(_ id: String) -> String { String(id.prefix(12)) }

    /// Whether `s` is a full 64-hex identifier.
    public static func isFull(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy(isHexDigit)
    }

    /// Whether `s` could be a prefix of an identifier (non-empty lowercase hex).
    public static func isHexPrefix(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.allSatisfy(isHexDigit)
    }

    private static func isHexDigit(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66)
    }
}
