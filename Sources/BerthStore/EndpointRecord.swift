import BerthCore

/// A container's attachment to a network, as Berth persists it so that a restart knows
/// which addresses are taken and which interfaces are its own.
public struct EndpointRecord: Codable, Hashable, Sendable {
    public var id: String
    public var networkID: String
    public var containerID: String
    /// The container's name at connect time (`Containers.<id>.Name` in network inspect).
    public var containerName: String
    /// The network namespace file of the container's sandbox.
    public var sandboxKey: String
    /// Interface name inside the sandbox (`eth0`, `eth1`, … in join order).
    public var interfaceName: String
    /// The host end of the veth pair (`veth` + 7 hex).
    public var hostInterface: String
    public var macAddress: String
    /// `172.18.0.2/16`; empty when the network has no IPv4.
    public var ipv4Address: String
    /// `fd00::2/64`; empty when the network has no IPv6.
    public var ipv6Address: String
    public var gateway4: String
    public var gateway6: String
    /// Network-scoped aliases (`--network-alias`), for service discovery.
    public var aliases: [String]
    /// Addresses the user asked for (`--ip`, `--ip6`), kept for inspect's IPAMConfig.
    public var requestedIPv4: String
    public var requestedIPv6: String
    /// Join order within the sandbox; the lowest carries the default route.
    public var order: Int
    /// Ports published through this endpoint (the one carrying the sandbox's default route);
    /// optional in storage so endpoints saved before ports existed still load.
    public var ports: [PublishedPort] {
        get { storedPorts ?? [] }
        set { storedPorts = newValue.isEmpty ? nil : newValue }
    }
    private var storedPorts: [PublishedPort]?
    /// `--link-local-ip` addresses on the interface besides its own (IPv4 as /16, IPv6 as /64, as
    /// dockerd puts them); optional in storage for endpoints saved before they existed.
    public var linkLocalIPs: [String]?

    public init(
        id: String, networkID: String, containerID: String, containerName: String, sandboxKey: String,
        interfaceName: String, hostInterface: String, macAddress: String, ipv4Address: String, ipv6Address: String,
        gateway4: String, gateway6: String, aliases: [String], requestedIPv4: String = "", requestedIPv6: String = "",
        order: Int
    ) {
        self.id = id
        self.networkID = networkID
        self.containerID = containerID
        self.containerName = containerName
        self.sandboxKey = sandboxKey
        self.interfaceName = interfaceName
        self.hostInterface = hostInterface
        self.macAddress = macAddress
        self.ipv4Address = ipv4Address
        self.ipv6Address = ipv6Address
        self.gateway4 = gateway4
        self.gateway6 = gateway6
        self.aliases = aliases
        self.requestedIPv4 = requestedIPv4
        self.requestedIPv6 = requestedIPv6
        self.order = order
    }
}
