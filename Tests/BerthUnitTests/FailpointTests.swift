import BerthCore
import Testing

/// The crash points' switch: refused unless enabled, unknown names and bad counts refused, `@N`
/// fires on the Nth arrival. (Only `Failpoint.Table` is used here: arming the process-wide
/// points in the unit tests would kill the test runner when another test reaches one.)
@Suite struct FailpointTests {
    @Test func armingRulesAndCounts() throws {
        #expect(throws: BerthError.invalidArgument("BERTH_FAILPOINT is set but failpoints are disabled: they are for the crash tests; start berthd with --enable-failpoints or unset BERTH_FAILPOINT")) {
            _ = try Failpoint.Table("start.after-save", enabled: false)
        }
        #expect(throws: (any Error).self) { _ = try Failpoint.Table("start.after-lunch", enabled: true) }
        #expect(throws: BerthError.invalidArgument("invalid failpoint count in \"start.after-save@0\": use NAME@N with N ≥ 1")) {
            _ = try Failpoint.Table("start.after-save@0", enabled: true)
        }
        #expect(try Failpoint.Table(" ; ", enabled: false).remaining.isEmpty)
        var t = try Failpoint.Table("netrm.after-driver@3; start.after-save", enabled: true)
        #expect(t.remaining == ["netrm.after-driver": 3, "start.after-save": 1])
        #expect(!t.reach("netrm.after-driver") && !t.reach("netrm.after-driver") && !t.reach("connect.after-join"))
        #expect(t.reach("netrm.after-driver") && !t.reach("netrm.after-driver"))
        #expect(t.reach("start.after-save") && t.remaining.isEmpty)
    }
}
