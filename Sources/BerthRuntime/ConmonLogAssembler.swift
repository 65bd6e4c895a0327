/// Joins conmon's partial (`P`) records into whole lines, per stream, the way `docker logs` prints
/// them: each full line ends in `\n`; what is still partial when the log ends comes out as is.
///
/// Feed records in file order; usable for a whole file (`lines(from:)`) or a followed log.
public struct ConmonLogAssembler: Sendable {
    /// The pieces of an unfinished line, per stream, with the time of the first piece.
    private var pending: [LogLine.Stream: LogLine] = [:]
    /// Streams in the order their pending line started, so `finish()` is deterministic.
    private var pendingOrder: [LogLine.Stream] = []

    public init() {}

    /// Adds a record; returns the line it completes, if any.
    public mutating func feed(_ entry: ConmonLogEntry) -> LogLine? {
        var line = pending.removeValue(forKey: entry.stream)
            ?? LogLine(timestamp: entry.timestamp, stream: entry.stream, bytes: [])
        line.bytes += entry.content
        if entry.isPartial {
            if !pendingOrder.contains(entry.stream) { pendingOrder.append(entry.stream) }
            pending[entry.stream] = line
            return nil
        }
        pendingOrder.removeAll { $0 == entry.stream }
        line.bytes.append(0x0a)
        return line
    }

    /// The unfinished lines, without a newline (the container's last write had none).
    public mutating func finish() -> [LogLine] {
        defer {
            pending = [:]
            pendingOrder = []
        }
        return pendingOrder.compactMap { pending[$0] }.filter { !$0.bytes.isEmpty }
    }

    /// All lines of a complete log.
    public static func lines(from entries: [ConmonLogEntry]) -> [LogLine] {
        var assembler = ConmonLogAssembler()
        var lines = entries.compactMap { assembler.feed($0) }
        lines += assembler.finish()
        return lines
    }
}
