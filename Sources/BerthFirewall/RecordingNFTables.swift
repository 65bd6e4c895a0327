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
        var failures: [FirewallError] = []
        var answers: [String: String] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Every applied script, in order.
    public var applied: [Applied] { state.withLock { $0.applied } }

    /// Makes the next `apply` not yet told to fail throw `error` (and record nothing, as a refused
    /// transaction changes nothing); calls queue up, one failure per apply.
    public func failNext(_ error: FirewallError) { state.withLock { $0.failures.append(error) } }

    /// Sets what `query(command)` returns.
    public func answer(_ command: String, with output: String) { state.withLock { $0.answers[command] = output } }

    public func apply(_ script: String, in target: FirewallTarget) async throws(FirewallError) {
        let failure: FirewallError? = state.withLock { s in
            if !s.failures.isEmpty { return s.failures.removeFirst() }
            s.applied.append(Applied(target: target, script: script))
            return nil
        }
        if let failure { throw failure }
    }

    public func query(_ command: String, in target: FirewallTarget) async throws(FirewallError) -> String {
        state.withLock { $0.answers[command] ?? "" }
    }
}
