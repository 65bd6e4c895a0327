import BerthCore

/// Neighbour and FDB entries, and VXLAN devices, on the session's namespace.
extension NetlinkSession {
    /// Creates a VXLAN device (see `NetlinkRequest.createVXLAN`).
    public func createVXLAN(name: String, vni: Int, local: IPv4Address?, port: Int, mtu: Int?) throws {
        _ = try execute(.createVXLAN(name: name, vni: vni, local: local, port: port, mtu: mtu))
    }

    /// Sets a permanent neighbour entry on `link`, replacing one for the same address.
    public func replaceNeighbour(_ ip: IPAddress, mac: MACAddress, link: String) throws {
        _ = try execute(.replaceNeighbour(ip, mac: mac, index: try index(ofLink: link)))
    }

    /// Removes the neighbour entry of `ip` on `link`; `ENOENT` when there is none.
    public func deleteNeighbour(_ ip: IPAddress, link: String) throws {
        _ = try execute(.deleteNeighbour(ip, index: try index(ofLink: link)))
    }

    /// Sets a permanent FDB entry on the VXLAN device `link`: `mac` lives behind `destination`.
    public func replaceForwarding(mac: MACAddress, destination: IPAddress, link: String) throws {
        _ = try execute(.replaceForwarding(mac: mac, destination: destination, index: try index(ofLink: link)))
    }

    /// Removes that FDB entry; `ENOENT` when there is none.
    public func deleteForwarding(mac: MACAddress, destination: IPAddress, link: String) throws {
        _ = try execute(.deleteForwarding(mac: mac, destination: destination, index: try index(ofLink: link)))
    }
}
