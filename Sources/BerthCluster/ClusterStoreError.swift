/// Why a cluster store operation failed, in words that say what to check.
public enum ClusterStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No endpoint of the store answered.
    case unavailable(store: String, reason: String)
    /// The store answered with an error.
    case server(status: Int, message: String)
    /// The store's reply could not be read.
    case malformed(String)
    /// The operation had no answer within its deadline.
    case timeout(store: String, operation: String, seconds: Double)
    /// A watch asked for history the store has compacted away.
    case compacted(revision: Int64)
    /// The address given for the store cannot be used.
    case badAddress(String)

    public var description: String {
        switch self {
        case .unavailable(let store, let reason):
            "cluster store \(store) is unavailable: \(reason); check that etcd runs there and that --cluster-store names it"
        case .server(let status, let message): "cluster store error (HTTP \(status)): \(message)"
        case .malformed(let m): "cluster store reply not understood: \(m)"
        case .timeout(let store, let op, let s): "cluster store \(store) did not answer \(op) within \(s) s; check that etcd runs there and is reachable"
        case .compacted(let r): "cluster store has compacted history up to revision \(r)"
        case .badAddress(let m): m
        }
    }
}
