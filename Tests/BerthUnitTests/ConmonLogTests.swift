import BerthCore
import BerthRuntime
import Testing

@Suite("conmon k8s-file logs")
struct ConmonLogTests {
    private func lines(_ text: String) -> [LogLine] {
        ConmonLogAssembler.lines(from: ConmonLogEntry.parseAll(Array(text.utf8)))
    }

    @Test("full lines of both streams, in order, each ending in a newline")
    func fullLines() throws {
        let log = """
            2026-11-29T06:10:44.716673080+00:00 stdout F hello
            2026-11-29T06:10:44.717139857+00:00 stderr F oops

            """
        let out = lines(log)
        #expect(out.map(\.stream) == [.stdout, .stderr])
        #expect(out.map(\.text) == ["hello\n", "oops\n"])
        #expect(out[0].timestamp.rfc3339Nano == "2026-11-29T06:10:44.71667308Z")
        #expect(out[1].timestamp.nanoseconds - out[0].timestamp.nanoseconds == 466_777)
    }

    @Test("a record is: time, stream, tag, then the content verbatim (spaces included)")
    func recordFields() throws {
        let entry = try #require(ConmonLogEntry(line: Array("2026-01-02T03:04:05.000000001+00:00 stderr P   a  b ".utf8)[...]))
        #expect(entry.stream == .stderr)
        #expect(entry.isPartial)
        #expect(entry.content == Array("  a  b ".utf8))
        #expect(entry.timestamp.rfc3339Nano == "2026-01-02T03:04:05.000000001Z")
        // A time zone other than UTC is honoured.
        let shifted = try #require(ConmonLogEntry(line: Array("2026-01-02T05:04:05.5+02:00 stdout F x".utf8)[...]))
        #expect(shifted.timestamp.rfc3339Nano == "2026-01-02T03:04:05.5Z")
    }

    @Test("partial records are joined up to the next full record of the same stream")
    func partialLines() throws {
        let log = """
            2026-11-29T06:00:00.000000001+00:00 stdout P abc
            2026-11-29T06:00:00.000000002+00:00 stderr F err line
            2026-11-29T06:00:00.000000003+00:00 stdout P def
            2026-11-29T06:00:00.000000004+00:00 stdout F ghi

            """
        let out = lines(log)
        #expect(out.map(\.text) == ["err line\n", "abcdefghi\n"])
        #expect(out.map(\.stream) == [.stderr, .stdout])
        // A joined line carries the time of its first piece.
        #expect(out[1].timestamp.nanoseconds % 1_000_000_000 == 1)
    }

    @Test("empty lines: a full record with no content is a bare newline")
    func emptyLines() {
        let log = "2026-11-29T06:00:00+00:00 stdout F \n2026-11-29T06:00:01+00:00 stdout F\n"
        #expect(lines(log).map(\.text) == ["\n", "\n"])
    }

    @Test("a last write without newline comes out as is; a torn last record is skipped")
    func unfinished() {
        let log = """
            2026-11-29T06:00:00+00:00 stdout F one
            2026-11-29T06:00:01+00:00 stdout P no newline
            2026-11-29T06:00:02+00:00 stderr F half-writ
            """
        #expect(lines(log).map(\.text) == ["one\n", "no newline"])
    }

    @Test("lines that are not records are skipped")
    func malformed() {
        let log = """
            not a record
            2026-11-29T06:00:00+00:00 stdin F x
            2026-11-29T06:00:00+00:00 stdout X x
            yesterday stdout F x
            2026-11-29T06:00:00+00:00 stdout F ok

            """
        #expect(lines(log).map(\.text) == ["ok\n"])
    }

    @Test("bytes that are not UTF-8 are kept")
    func binaryContent() {
        var bytes = Array("2026-11-29T06:00:00+00:00 stdout F ".utf8)
        bytes += [0xff, 0x00, 0xfe, 0x0a]
        let out = ConmonLogAssembler.lines(from: ConmonLogEntry.parseAll(bytes))
        #expect(out.first?.bytes == [0xff, 0x00, 0xfe, 0x0a])
    }

    @Test("streaming: feed returns a line when it completes; finish flushes the rest")
    func assemblerFeed() throws {
        var assembler = ConmonLogAssembler()
        let t = Timestamp(nanoseconds: 0)
        #expect(assembler.feed(ConmonLogEntry(timestamp: t, stream: .stdout, isPartial: true, content: Array("a".utf8))) == nil)
        #expect(assembler.feed(ConmonLogEntry(timestamp: t, stream: .stderr, isPartial: true, content: Array("x".utf8))) == nil)
        let done = assembler.feed(ConmonLogEntry(timestamp: t, stream: .stdout, isPartial: false, content: Array("b".utf8)))
        #expect(done?.text == "ab\n")
        #expect(assembler.finish().map(\.text) == ["x"])
        #expect(assembler.finish().isEmpty)
    }

    @Test("Docker's multiplexed frame: stream byte, three zeros, big-endian length, payload")
    func multiplexedFrame() {
        let line = LogLine(timestamp: Timestamp(nanoseconds: 0), stream: .stderr, bytes: Array("oops\n".utf8))
        #expect(line.multiplexedFrame == [2, 0, 0, 0, 0, 0, 0, 5] + Array("oops\n".utf8))
        let big = LogLine(timestamp: Timestamp(nanoseconds: 0), stream: .stdout, bytes: [UInt8](repeating: 0x61, count: 0x10203))
        #expect(Array(big.multiplexedFrame.prefix(8)) == [1, 0, 0, 0, 0x00, 0x01, 0x02, 0x03])
    }
}
