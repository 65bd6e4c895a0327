import BerthCore

/// One record of conmon's `k8s-file` log (the CRI logging format):
///
///     2026-11-29T06:10:44.716673080+00:00 stdout F hello
///     <RFC 3339 time, nanoseconds> <stream> <F: full line | P: partial> <content without newline>
///
/// conmon writes `P` when a line does not fit its read buffer or the container wrote no newline
/// yet; the pieces of such a line end with an `F` record of the same stream (possibly empty).
public struct ConmonLogEntry: Equatable, Sendable {
    public var timestamp: Timestamp
    public var stream: LogLine.Stream
    /// `P`: more of this line follows in a later record.
    public var isPartial: Bool
    /// The record's bytes, without the newline that ends the record.
    public var content: [UInt8]

    public init(timestamp: Timestamp, stream: LogLine.Stream, isPartial: Bool, content: [UInt8]) {
        self.timestamp = timestamp
        self.stream = stream
        self.isPartial = isPartial
        self.content = content
    }

    /// Parses one record (without its trailing newline); nil when it is not a k8s-file record.
    public init?(line: ArraySlice<UInt8>) {
        // Three space-separated fields, then the content (which may itself contain spaces).
        var fields: [ArraySlice<UInt8>] = []
        var rest = line[...]
        for _ in 0..<3 {
            guard let space = rest.firstIndex(of: 0x20) else {
                // A record with empty content may end right after the tag.
                fields.append(rest)
                rest = rest[rest.endIndex...]
                break
            }
            fields.append(rest[rest.startIndex..<space])
            rest = rest[(space + 1)...]
        }
        guard fields.count == 3,
            let timestamp = Timestamp(parsing: String(decoding: fields[0], as: UTF8.self))
        else { return nil }
        switch Array(fields[1]) {
        case Array("stdout".utf8): stream = .stdout
        case Array("stderr".utf8): stream = .stderr
        default: return nil
        }
        switch Array(fields[2]) {
        case [UInt8(ascii: "F")]: isPartial = false
        case [UInt8(ascii: "P")]: isPartial = true
        default: return nil
        }
        self.timestamp = timestamp
        content = Array(rest)
    }

    /// Parses a whole log file. Lines that are not records are skipped (notably a last line
    /// conmon is still writing, which has no newline yet).
    public static func parseAll(_ bytes: [UInt8]) -> [ConmonLogEntry] {
        var entries: [ConmonLogEntry] = []
        var start = bytes.startIndex
        while let newline = bytes[start...].firstIndex(of: 0x0a) {
            if let entry = ConmonLogEntry(line: bytes[start..<newline]) {
                entries.append(entry)
            }
            start = newline + 1
        }
        return entries
    }
}
