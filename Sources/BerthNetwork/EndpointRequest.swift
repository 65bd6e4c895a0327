import BerthCore

/// What a container asks of a network when it joins one (`--network`, `--ip`, `--ip6`,
/// `--mac-address`, `--network-alias`, or `network connect --ip --alias`). Addresses are still
/// text so that errors quote them as the user wrote them.
public struct EndpointRequest: Sendable, Equatable {
    public var containerID: String
    public var containerName: String
    /// The namespace file of the container's sandbox.
    public var sandboxKey: String
    public var ipv4: String?
    public var ipv6: String?
    public var macAddress: String?
    public var aliases: [String]
    /// Ports to publish (`-p`, `-P`). Only the endpoint that carries the sandbox's default route
    /// publishes them, as in dockerd; other endpoints ignore them.
    public var ports: [PortBindingRequest]
    /// `--link-local-ip`: extra link-local addresses on the interface.
    public var linkLocalIPs: [String] = []
    /// The interface's name in the sandbox (driver option `com.docker.network.endpoint.ifname`);
    /// nil picks the next `ethN`.
    public var interfaceName: String?

    /// The endpoint driver option that names the interface, as current dockerd reads it.
    public static let interfaceNameOption = "com.docker.network.endpoint.ifname"

    public init(
        containerID: String, containerName: String, sandboxKey: String, ipv4: String? = nil, ipv6: String? = nil,
        macAddress: String? = nil, aliases: [String] = [], ports: [PortBindingRequest] = [], linkLocalIPs: [String] = [],
        interfaceName: String? = nil
    ) {
        self.interfaceName = interfaceName
        self.linkLocalIPs = linkLocalIPs
        self.ports = ports
        self.containerID = containerID
        self.containerName = containerName
        self.sandboxKey = sandboxKey
        self.ipv4 = ipv4
        self.ipv6 = ipv6
        self.macAddress = macAddress
        self.aliases = aliases
    }
}
