import BerthCore

extension NetworkController {
    /// `--ipam-driver dhcp`: the network's endpoints lease their IPv4 addresses from a DHCP
    /// server on the parent's LAN (Podman's name for it) instead of Berth's IPAM.
    public static let dhcpIPAM = "dhcp"

    /// What a DHCP network may be, checked before anything is reserved: a driver that leases
    /// (macvlan), a parent to reach the server through, and no pool of Berth's own.
    static func checkLeased(_ spec: NetworkCreateSpec, driver: String, offers: Bool) throws(BerthError) {
        guard offers else {
            throw .invalidArgument("the \(dhcpIPAM) IPAM driver leases addresses on macvlan networks only, not on \(driver) networks; use -d macvlan -o parent=IF")
        }
        if !spec.subnets.isEmpty {
            throw .invalidArgument("the \(dhcpIPAM) IPAM driver takes no --subnet, --ip-range, --gateway or --aux-address: the DHCP server on the LAN hands out the addresses")
        }
        if spec.enableIPv6 {
            throw .invalidArgument("the \(dhcpIPAM) IPAM driver leases IPv4 addresses only (no DHCPv6): drop --ipv6")
        }
        if (spec.options["parent"] ?? "").isEmpty {
            throw .invalidArgument("a network with the \(dhcpIPAM) IPAM driver needs a parent that reaches a DHCP server: add -o parent=IF")
        }
    }
}
