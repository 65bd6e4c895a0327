import BerthCore
import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// Requests on neighbour entries (`RTM_*NEIGH`): the IP-to-MAC entries of a link's neighbour
/// table, and the MAC-to-remote entries of a VXLAN device's forwarding database (FDB, family
/// `AF_BRIDGE`, `NTF_SELF`). The overlay driver writes both as `NUD_PERMANENT` from the cluster
/// store, so nothing is learned, nothing expires and no miss is ever asked about.
extension NetlinkRequest {
    /// `struct ndmsg` (12 bytes): family, two pad bytes, the link's index, state, flags, type.
    package static func neighbourHeader(family: Int32, index: Int32, state: UInt16 = 0, flags: UInt8 = 0) -> [UInt8] {
        var header = ndmsg()
        header.ndm_family = UInt8(family)
        header.ndm_ifindex = index
        header.ndm_state = state
        header.ndm_flags = flags
        var bytes: [UInt8] = []
        bytes.appendRaw(header)
        return bytes
    }

    private static let replace: NetlinkFlags = [.NLM_F_REQUEST, .NLM_F_ACK, .NLM_F_CREATE, .NLM_F_REPLACE]
    private static let change: NetlinkFlags = [.NLM_F_REQUEST, .NLM_F_ACK]
    static let permanent = UInt16(NUD_PERMANENT)

    /// `RTM_NEWNEIGH` (create or replace): `ip` is at `mac` on the link at `index`, for good.
    package static func replaceNeighbour(_ ip: IPAddress, mac: MACAddress, index: Int32) -> NetlinkRequest {
        NetlinkRequest(
            type: .RTM_NEWNEIGH, flags: replace, header: neighbourHeader(family: family(ip), index: index, state: permanent),
            attributes: [.bytes(NDA_DST, ip.bytes), .bytes(NDA_LLADDR, mac.bytes)])
    }

    /// `RTM_DELNEIGH`: forgets `ip` on the link at `index`.
    package static func deleteNeighbour(_ ip: IPAddress, index: Int32) -> NetlinkRequest {
        NetlinkRequest(type: .RTM_DELNEIGH, flags: change, header: neighbourHeader(family: family(ip), index: index),
                       attributes: [.bytes(NDA_DST, ip.bytes)])
    }

    /// `RTM_NEWNEIGH` in the FDB of the VXLAN device at `index`: frames to `mac` go to the
    /// VTEP at `destination` (`bridge fdb replace MAC dev vxlan0 dst IP self permanent`).
    package static func replaceForwarding(mac: MACAddress, destination: IPAddress, index: Int32) -> NetlinkRequest {
        NetlinkRequest(
            type: .RTM_NEWNEIGH, flags: replace,
            header: neighbourHeader(family: AF_BRIDGE, index: index, state: permanent, flags: UInt8(NTF_SELF)),
            attributes: [.bytes(NDA_LLADDR, mac.bytes), .bytes(NDA_DST, destination.bytes)])
    }

    /// `RTM_DELNEIGH` of that FDB entry.
    package static func deleteForwarding(mac: MACAddress, destination: IPAddress, index: Int32) -> NetlinkRequest {
        NetlinkRequest(
            type: .RTM_DELNEIGH, flags: change, header: neighbourHeader(family: AF_BRIDGE, index: index, flags: UInt8(NTF_SELF)),
            attributes: [.bytes(NDA_LLADDR, mac.bytes), .bytes(NDA_DST, destination.bytes)])
    }

    private static func family(_ ip: IPAddress) -> Int32 {
        if case .v4 = ip { return AF_INET }
        return AF_INET6
    }
}
