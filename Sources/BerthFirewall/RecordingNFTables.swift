import Synchronization

/// A test double for `NFTables`: records each applied script with its target, answers queries
/// from a canned table, and can be told to refuse the next apply.
public final class RecordingNFTables: NFTables {
    /// One applied transaction.
    public struct Applied: Hashable, Sendable {
        public var target: FirewallTarget
        public var script: String
    }

    private struct State {
        var applied: [Applied] = []
        var failNext: FirewallError?
        var answers: [String: String] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Every applied script, in order.
    public var applied: [Applied] { state.withLock { $0.applied } }

    /// Makes the next `apply` throw `error` (and record nothing, as a refused transaction changes nothing).
    public func failNext(_ error: FirewallError) { state.withLock { $0.failNext = error } }

    /// Sets what `query(command)` returns.
    public func answer(_ command: String, with output: String) { state.withLock { $0.answers[command] = output } }

    public func apply(_ script: String, in target: FirewallTarget) async throws(FirewallError) {
        let failure: FirewallError? = state.withLock { s in
            if let f = s.failNext { s.failNext = nil; return f }
            s.applied.append(Applied(target: target, script: script))
            return nil
        }
        if let failure { throw failure }
    }

    public func query(_ command: String, in target: FirewallTarget) async throws(FirewallError) -> String {
        state.withLock { $0.answers[command] ?? "" }
    }
}
