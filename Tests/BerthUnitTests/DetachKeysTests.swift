@testable import BerthEngine
import BerthRuntime
import Testing

/// dockerd's detach-key handling: the `detachKeys` format and the scan of a client's stdin,
/// which holds back a possible start of the sequence until it is sure.
@Suite struct DetachKeysTests {
    @Test func parsesDockerdFormat() {
        #expect(DetachKeys(parsing: "ctrl-p,ctrl-q")?.keys == [0x10, 0x11])
        #expect(DetachKeys(parsing: "ctrl-x,x")?.keys == [0x18, UInt8(ascii: "x")])
        #expect(DetachKeys(parsing: "CTRL-A")?.keys == [0x01])
        #expect(DetachKeys(parsing: "ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,ctrl-_")?.keys == [0, 27, 28, 29, 30, 31])
        #expect(DetachKeys(parsing: "ctrl-1") == nil)
        #expect(DetachKeys(parsing: "ab") == nil)
        #expect(DetachKeys(parsing: "a,,b") == nil)
        #expect(DetachKeys(parsing: "") == nil)
    }

    @Test func passesOrdinaryInputThrough() {
        var k = DetachKeys.default
        let r = k.scan(Array("echo hi\r".utf8))
        #expect(r.forward == Array("echo hi\r".utf8) && !r.detached)
    }

    @Test func detachesOnTheSequenceAcrossReads() {
        var k = DetachKeys.default
        let first = k.scan([UInt8(ascii: "a"), 0x10])
        #expect(first.forward == [UInt8(ascii: "a")] && !first.detached)  // 0x10 held back
        let second = k.scan([0x11, UInt8(ascii: "z")])
        #expect(second.forward == [] && second.detached)  // nothing after the sequence goes on
    }

    @Test func releasesAFalseStart() {
        var k = DetachKeys.default
        #expect(k.scan([0x10]).forward == [])
        let r = k.scan([UInt8(ascii: "b")])
        #expect(r.forward == [0x10, UInt8(ascii: "b")] && !r.detached)
        // CTRL-p CTRL-p CTRL-q: the first CTRL-p is released, the next two detach.
        var again = DetachKeys.default
        let twice = again.scan([0x10, 0x10, 0x11])
        #expect(twice.forward == [0x10] && twice.detached)
    }

    @Test func framesLikeDockerd() {
        // stream (1 B), 0 0 0, big-endian length (4 B), payload
        #expect(LogLine.Stream.stderr.frame(Array("err-7\n".utf8)) == [2, 0, 0, 0, 0, 0, 0, 6] + Array("err-7\n".utf8))
    }
}
