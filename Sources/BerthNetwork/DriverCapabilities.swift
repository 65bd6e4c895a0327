/// What a network driver offers, as libnetwork's drivers declare it, so that
/// `NetworkController` decides by capability and never by driver name.
public struct DriverCapabilities: Sendable, Equatable {
    /// `local` (this host's networks) or `global` (networks shared through a cluster store).
    public var scope: String
    /// Whether users may create networks of this driver; `host` and `null` have their one
    /// predefined network only ("only one instance of … network is allowed").
    public var userNetworks: Bool
    /// Whether containers get endpoints on its networks; `host` and `null` share or lack a
    /// namespace instead, and connecting to them is refused.
    public var endpoints: Bool
    /// Whether its networks are bridges the host firewall serves: masquerade, isolation between
    /// networks, ICC, published ports' DNAT. Drivers without it have `-p` accepted with a warning
    /// and nothing published, as dockerd does for macvlan.
    public var hostFirewall: Bool
    /// Whether its endpoints may lease their addresses from a DHCP server on the network's LAN
    /// (`--ipam-driver dhcp`): the driver asks for them in the sandbox at join (macvlan).
    public var leasesAddresses: Bool

    public init(scope: String = "local", userNetworks: Bool = true, endpoints: Bool = true, hostFirewall: Bool = false,
                leasesAddresses: Bool = false) {
        self.scope = scope
        self.userNetworks = userNetworks
        self.endpoints = endpoints
        self.hostFirewall = hostFirewall
        self.leasesAddresses = leasesAddresses
    }

    /// A driver whose containers share the host's namespace or have none (`host`, `null`).
    public static let predefinedOnly = DriverCapabilities(userNetworks: false, endpoints: false)
    /// A bridge on this host behind the host firewall.
    public static let localBridge = DriverCapabilities(hostFirewall: true)
}
