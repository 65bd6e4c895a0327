/// Daemon-wide defaults for containers' name resolution (berthd's `--dns`, `--host-gateway-ip`).
public struct ContainerNetworkDefaults: Sendable, Equatable {
    /// Resolvers for every container without `--dns`: the embedded server's upstreams, and the
    /// nameservers of containers on the default bridge. Empty: the host's resolv.conf.
    public var dns: [String]
    /// The address `host-gateway` stands for in `--add-host`; nil: the gateway of the container's
    /// first network.
    public var hostGatewayIP: String?

    public init(dns: [String] = [], hostGatewayIP: String? = nil) {
        self.dns = dns
        self.hostGatewayIP = hostGatewayIP
    }
}
