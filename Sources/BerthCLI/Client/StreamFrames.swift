/// dockerd's multiplexed stream: frames of an 8-byte header (stream, 0, 0, 0, big-endian
/// length) and a payload. Stream 1 is stdout, 2 stderr.
enum StreamFrames {
    /// Splits a multiplexed body into (stream, payload) frames; a truncated tail is dropped.
    static func split(_ bytes: [UInt8]) -> [(stream: UInt8, payload: [UInt8])] {
        var out: [(UInt8, [UInt8])] = []
        var i = 0
        while i + 8 <= bytes.count {
            let n = Int(bytes[i + 4]) << 24 | Int(bytes[i + 5]) << 16 | Int(bytes[i + 6]) << 8 | Int(bytes[i + 7])
            guard i + 8 + n <= bytes.count else { break }
            out.append((bytes[i], Array(bytes[(i + 8)..<(i + 8 + n)])))
            i += 8 + n
        }
        return out
    }
}
