import BerthCore

#if canImport(Glibc)
import Glibc
#endif

/// VXLAN devices, neighbour and FDB entries in the in-memory double, with the kernel's rules the
/// overlay driver meets: entries need their link, a replace overwrites, a delete of an entry that
/// is not there fails with `ENOENT`.
extension RecordingRouteNetlink {
    public func createVXLAN(name: String, vni: Int, local: IPv4Address?, port: Int, mtu: Int?) async throws {
        try perform(.createVXLAN(name: name, vni: vni, local: local, port: port, mtu: mtu)) { model, here in
            _ = try NetlinkRequest.createVXLAN(name: name, vni: vni, local: local, port: port, mtu: mtu)
            try model.requireAbsent(name, in: here)
            _ = model.addLink(name: name, kind: "vxlan", mtu: mtu ?? 1450, alias: nil, in: here)
        }
    }

    public func replaceNeighbour(_ ip: IPAddress, mac: MACAddress, link: String) async throws {
        try perform(.replaceNeighbour(ip, mac: mac, link: link)) { model, here in
            let l = try model.require(link, in: here, operation: "RTM_NEWNEIGH")
            model[here].neighbours[l.index, default: [:]][ip] = mac
        }
    }

    public func deleteNeighbour(_ ip: IPAddress, link: String) async throws {
        try perform(.deleteNeighbour(ip, link: link)) { model, here in
            let l = try model.require(link, in: here, operation: "RTM_DELNEIGH")
            guard model[here].neighbours[l.index]?.removeValue(forKey: ip) != nil else {
                throw NetlinkError.kernel(operation: "RTM_DELNEIGH", errno: ENOENT)
            }
        }
    }

    public func replaceForwarding(mac: MACAddress, destination: IPAddress, link: String) async throws {
        try perform(.replaceForwarding(mac: mac, destination: destination, link: link)) { model, here in
            let l = try model.require(link, in: here, operation: "RTM_NEWNEIGH")
            model[here].forwarding[l.index, default: [:]][mac] = destination
        }
    }

    public func deleteForwarding(mac: MACAddress, destination: IPAddress, link: String) async throws {
        try perform(.deleteForwarding(mac: mac, destination: destination, link: link)) { model, here in
            let l = try model.require(link, in: here, operation: "RTM_DELNEIGH")
            guard model[here].forwarding[l.index]?[mac] == destination else {
                throw NetlinkError.kernel(operation: "RTM_DELNEIGH", errno: ENOENT)
            }
            model[here].forwarding[l.index]?[mac] = nil
        }
    }

    /// The permanent neighbour entries of `link` in this double's namespace (tests).
    public func neighbours(link: String) throws -> [IPAddress: MACAddress] {
        try perform(.link(named: link)) { model, here in
            model[here].neighbours[try model.require(link, in: here, operation: "RTM_GETNEIGH").index] ?? [:]
        }
    }

    /// The FDB entries of `link` in this double's namespace (tests).
    public func forwarding(link: String) throws -> [MACAddress: IPAddress] {
        try perform(.link(named: link)) { model, here in
            model[here].forwarding[try model.require(link, in: here, operation: "RTM_GETNEIGH").index] ?? [:]
        }
    }
}
