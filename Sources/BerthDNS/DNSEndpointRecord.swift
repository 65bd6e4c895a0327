import BerthCore

/// What the embedded DNS knows about one container's attachment to one network.
public struct DNSEndpointRecord: Hashable, Sendable {
    /// The full container id; its first 12 characters are also a DNS name.
    public var containerID: String
    public var networkID: String
    /// The network's name, used for the `name.network` form and for PTR answers.
    public var networkName: String
    /// Container name and hostname (unique per container).
    public var names: [String]
    /// Network-scoped aliases; several containers may share one.
    public var aliases: [String]
    public var ipv4: IPv4Address?
    public var ipv6: IPv6Address?

    public init(containerID: String, networkID: String, networkName: String, names: [String],
                aliases: [String] = [], ipv4: IPv4Address? = nil, ipv6: IPv6Address? = nil) {
        self.containerID = containerID
        self.networkID = networkID
        self.networkName = networkName
        self.names = names
        self.aliases = aliases
        self.ipv4 = ipv4
        self.ipv6 = ipv6
    }

    /// The primary name: the first of `names`, else the short id (dockerd answers PTR with `name.network`).
    public var primaryName: String { names.first ?? shortID }

    /// The 12-character short id.
    public var shortID: String { String(containerID.prefix(12)) }

    /// Every lower-cased name this endpoint answers to on its network (aliases first, as dockerd looks them up).
    var lookupNames: [String] {
        var seen = Set<String>()
        return (aliases + names + [shortID]).map { $0.lowercased() }.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}
