/// Where a ruleset change applies.
public enum FirewallTarget: Hashable, Sendable {
    /// The daemon's own network namespace (the "host" of its containers).
    case host
    /// The network namespace bound at this path (a container's sandbox).
    case namespace(path: String)
}

/// The seam at the nftables boundary: a script in nft's language, applied as one atomic
/// transaction. `LinuxNFTables` drives libnftables; `RecordingNFTables` records for unit tests.
public protocol NFTables: Sendable {
    /// Applies `script` (several commands, one transaction) in `target`; all or nothing.
    func apply(_ script: String, in target: FirewallTarget) async throws(FirewallError)
    /// Runs a read-only command (`list table ip berth_dns`) and returns nft's output.
    func query(_ command: String, in target: FirewallTarget) async throws(FirewallError) -> String
}
