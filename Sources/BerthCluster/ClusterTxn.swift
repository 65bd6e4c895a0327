/// An atomic transaction: when every comparison holds the success operations run, else the
/// failure ones (etcd v3's `Txn`).
public struct ClusterTxn: Sendable, Equatable {
    /// A condition on one key.
    public enum Compare: Sendable, Equatable {
        /// The key does not exist (its create revision is 0).
        case absent(String)
        /// The key's last change is this revision.
        case modRevision(String, Int64)
        /// The key holds exactly this value.
        case value(String, [UInt8])
    }

    /// One operation of a branch.
    public enum Op: Sendable, Equatable {
        case put(String, [UInt8], lease: Int64)
        case delete(String)
        case deletePrefix(String)
        /// Reads the key; its result is in `ClusterTxnResult.ranges` in branch order.
        case get(String)
    }

    public var compare: [Compare]
    public var success: [Op]
    public var failure: [Op]

    public init(compare: [Compare] = [], success: [Op], failure: [Op] = []) {
        self.compare = compare
        self.success = success
        self.failure = failure
    }
}

/// What a transaction did.
public struct ClusterTxnResult: Sendable, Equatable {
    /// Whether the comparisons held (the success branch ran).
    public var succeeded: Bool
    /// The store's revision after the transaction.
    public var revision: Int64
    /// The keys each `get` of the branch that ran found, in order.
    public var ranges: [[ClusterKV]]

    public init(succeeded: Bool, revision: Int64, ranges: [[ClusterKV]] = []) {
        self.succeeded = succeeded
        self.revision = revision
        self.ranges = ranges
    }
}
