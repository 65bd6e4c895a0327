import BerthCore
import BerthIPAM

/// The daemon-level settings of the network layer (dockerd's `--bip`, `--default-address-pool`, `--mtu`).
public struct NetworkConfig: Sendable {
    /// Device name of the default `bridge` network.
    public var defaultBridgeName = "berth0"
    /// `--bip`: the default bridge's gateway address and prefix (172.17.0.1/16 when nil).
    public var bip: CIDR?
    /// Pools user networks draw their IPv4 subnets from.
    public var pools4: [AddressPool] = AddressPool.dockerDefaults
    /// Pools for IPv6 subnets; empty means a ULA /48 chosen once per data root.
    public var pools6: [AddressPool] = []
    /// `--mtu`: MTU of the default bridge.
    public var mtu = 1500
    /// `--icc`: whether containers on the default bridge may talk to each other.
    public var icc = true

    public init() {}
}
