/// The traffic counters of one network interface, as `/proc/net/dev` gives them and dockerd's
/// stats `networks` map shows them.
public struct InterfaceCounters: Sendable, Equatable {
    public var rxBytes: UInt64 = 0
    public var rxPackets: UInt64 = 0
    public var rxErrors: UInt64 = 0
    public var rxDropped: UInt64 = 0
    public var txBytes: UInt64 = 0
    public var txPackets: UInt64 = 0
    public var txErrors: UInt64 = 0
    public var txDropped: UInt64 = 0

    public init() {}

    /// Parses `/proc/<pid>/net/dev`: two header lines, then `name: rx(8 fields) tx(8 fields)`.
    /// Lines that do not have that shape are skipped; the file's order is kept.
    public static func parse(procNetDev text: String) -> [(name: String, counters: InterfaceCounters)] {
        text.split(separator: "\n").compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            let name = line[..<colon].filter { $0 != " " }
            let f = line[line.index(after: colon)...].split(separator: " ").compactMap { UInt64($0) }
            guard !name.isEmpty, f.count >= 16 else { return nil }
            var c = InterfaceCounters()
            (c.rxBytes, c.rxPackets, c.rxErrors, c.rxDropped) = (f[0], f[1], f[2], f[3])
            (c.txBytes, c.txPackets, c.txErrors, c.txDropped) = (f[8], f[9], f[10], f[11])
            return (String(name), c)
        }
    }
}
