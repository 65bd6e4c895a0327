import BerthCore

/// What the host firewall needs to know of one bridge network.
public struct FirewallNetwork: Hashable, Sendable {
    /// The Linux bridge device (`berth0`, `br-1a2b3c4d5e6f`).
    public var bridge: String
    /// The network's subnets (both families).
    public var subnets: [CIDR]
    /// `com.docker.network.bridge.enable_icc`: containers on this network may talk to each other.
    public var icc: Bool
    /// `com.docker.network.bridge.enable_ip_masquerade`: traffic leaving the host is masqueraded.
    public var masquerade: Bool
    /// `--internal`: nothing enters or leaves the bridge except between its own containers.
    public var isInternal: Bool

    public init(bridge: String, subnets: [CIDR], icc: Bool = true, masquerade: Bool = true, isInternal: Bool = false) {
        self.bridge = bridge
        self.subnets = subnets
        self.icc = icc
        self.masquerade = masquerade
        self.isInternal = isInternal
    }
}
