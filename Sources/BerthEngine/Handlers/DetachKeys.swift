/// dockerd's detach sequence (CTRL-p CTRL-q unless `detachKeys` says otherwise), found in a
/// client's stdin: bytes that might begin the sequence are held back until it is clear whether
/// they do, as dockerd's escape proxy does.
package struct DetachKeys: Sendable, Equatable {
    package let keys: [UInt8]
    private var matched = 0

    /// CTRL-p CTRL-q.
    package static let `default` = DetachKeys(keys: [0x10, 0x11])

    package init(keys: [UInt8]) { self.keys = keys }

    /// Parses dockerd's format: comma-separated keys, each one character or `ctrl-<c>` with `<c>`
    /// one of `a`–`z`, `@`, `[`, `\`, `]`, `^`, `_`. nil when malformed (dockerd then uses the default).
    package init?(parsing spec: String) {
        var keys: [UInt8] = []
        for key in spec.split(separator: ",", omittingEmptySubsequences: false) {
            let utf8 = Array(key.utf8)
            if utf8.count == 1 {
                keys.append(utf8[0])
                continue
            }
            guard utf8.count == 6, key.lowercased().hasPrefix("ctrl-") else { return nil }
            let c = utf8[5] | (utf8[5] >= UInt8(ascii: "A") && utf8[5] <= UInt8(ascii: "Z") ? 0x20 : 0)
            switch c {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): keys.append(c - UInt8(ascii: "a") + 1)
            case UInt8(ascii: "@"): keys.append(0)
            case UInt8(ascii: "["): keys.append(27)
            case UInt8(ascii: "\\"): keys.append(28)
            case UInt8(ascii: "]"): keys.append(29)
            case UInt8(ascii: "^"): keys.append(30)
            case UInt8(ascii: "_"): keys.append(31)
            default: return nil
            }
        }
        guard !keys.isEmpty else { return nil }
        self.keys = keys
    }

    /// Feeds client input; returns what to pass on to the container and whether the sequence
    /// is complete (then nothing after it is passed on).
    package mutating func scan(_ input: [UInt8]) -> (forward: [UInt8], detached: Bool) {
        var out: [UInt8] = []
        for byte in input {
            if byte == keys[matched] {
                matched += 1
                if matched == keys.count {
                    matched = 0
                    return (out, true)
                }
                continue
            }
            // Not the sequence after all: release what was held back, then look at this byte afresh.
            out += keys[..<matched]
            matched = 0
            if byte == keys[0] {
                matched = 1
                if matched == keys.count { return (out, true) }
            } else {
                out.append(byte)
            }
        }
        return (out, false)
    }
}
