/// dockerd's multiplexed stream, fed in arbitrary pieces (a live attach) or whole (a logs body):
/// frames of an 8-byte header (stream, 0, 0, 0, big-endian length) and a payload. Stream 1 is
/// stdout, 2 stderr; a truncated tail waits for the next piece.
struct FrameDemux {
    private var buffer: [UInt8] = []

    mutating func feed(_ bytes: [UInt8]) -> [(stream: UInt8, bytes: [UInt8])] {
        buffer += bytes
        var out: [(UInt8, [UInt8])] = []
        var i = 0
        while i + 8 <= buffer.count {
            let n = Int(buffer[i + 4]) << 24 | Int(buffer[i + 5]) << 16 | Int(buffer[i + 6]) << 8 | Int(buffer[i + 7])
            guard i + 8 + n <= buffer.count else { break }
            out.append((buffer[i], Array(buffer[(i + 8)..<(i + 8 + n)])))
            i += 8 + n
        }
        buffer.removeFirst(i)
        return out
    }
}
