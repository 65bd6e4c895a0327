import BerthCore
import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// Requests on links (`RTM_*LINK`). Links are addressed by `IFLA_IFNAME`, which the kernel
/// resolves itself, so no name-to-index round trip is needed.
extension NetlinkRequest {
    /// `struct ifinfomsg` for `index` (0: look the link up by `IFLA_IFNAME`).
    package static func interfaceHeader(index: Int32 = 0, flags: UInt32 = 0, change: UInt32 = 0) -> [UInt8] {
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_UNSPEC)
        header.ifi_index = index
        header.ifi_flags = flags
        header.ifi_change = change
        var bytes: [UInt8] = []
        bytes.appendRaw(header)
        return bytes
    }

    private static let change: NetlinkFlags = [.NLM_F_REQUEST, .NLM_F_ACK]
    private static let create: NetlinkFlags = [.NLM_F_REQUEST, .NLM_F_ACK, .NLM_F_CREATE, .NLM_F_EXCL]

    /// `RTM_NEWLINK` creating a bridge: `IFLA_IFNAME`, `IFLA_LINKINFO { IFLA_INFO_KIND "bridge" }`.
    ///
    /// MTU and alias are not sent here: the kernel ignores `IFLA_IFALIAS` on creation, and an
    /// MTU set at creation is not marked as chosen by the user, so the bridge would follow its
    /// first port's MTU. `NetlinkSession.createBridge` sets both with `RTM_SETLINK` instead.
    package static func createBridge(name: String) throws -> NetlinkRequest {
        try LinkValidation.validateName(name)
        return NetlinkRequest(
            type: .RTM_NEWLINK, flags: create, header: interfaceHeader(),
            attributes: [
                .string(IFLA_IFNAME, name),
                .nested(IFLA_LINKINFO, [.string(IFLA_INFO_KIND, "bridge")]),
            ])
    }

    /// `RTM_NEWLINK` creating a veth pair; the peer's name and MTU travel in
    /// `IFLA_LINKINFO { IFLA_INFO_DATA { VETH_INFO_PEER: ifinfomsg + attributes } }`.
    ///
    /// With `peerNamespaceFD`, the peer's attributes also carry `IFLA_NET_NS_FD`: the kernel
    /// creates that end directly inside the namespace open at the fd (as libnetwork does), so it
    /// never appears here and its name only has to be free over there.
    package static func createVeth(
        name: String, peerName: String, peerNamespaceFD: Int32? = nil, mtu: Int?
    ) throws -> NetlinkRequest {
        try LinkValidation.validateName(name)
        try LinkValidation.validateName(peerName)
        var mtuAttributes: [NetlinkAttribute] = []
        if let mtu { mtuAttributes.append(.uint32(IFLA_MTU, try LinkValidation.validatedMTU(mtu))) }
        var namespaceAttributes: [NetlinkAttribute] = []
        if let peerNamespaceFD {
            namespaceAttributes.append(.uint32(IFLA_NET_NS_FD, try LinkValidation.validatedNamespaceFD(peerNamespaceFD)))
        }
        let peer = NetlinkAttribute.nested(
            VETH_INFO_PEER, header: interfaceHeader(),
            [.string(IFLA_IFNAME, peerName)] + mtuAttributes + namespaceAttributes)
        return NetlinkRequest(
            type: .RTM_NEWLINK, flags: create, header: interfaceHeader(),
            attributes: [.string(IFLA_IFNAME, name)] + mtuAttributes + [
                .nested(IFLA_LINKINFO, [.string(IFLA_INFO_KIND, "veth"), .nested(IFLA_INFO_DATA, [peer])])
            ])
    }

    /// `RTM_NEWLINK` creating a child of the link at `parentIndex` (`IFLA_LINK`): macvlan
    /// (`IFLA_MACVLAN_MODE`), ipvlan (`IFLA_IPVLAN_MODE`, `IFLA_IPVLAN_FLAGS`) or 802.1q VLAN
    /// (`IFLA_VLAN_ID`), inside `IFLA_LINKINFO { IFLA_INFO_KIND, IFLA_INFO_DATA }`. With
    /// `namespaceFD` the child is born in that namespace under `name` (the parent stays here),
    /// as libnetwork's macvlan endpoints are; `mac` sets its Ethernet address at creation.
    package static func createChild(
        name: String, parentIndex: Int32, kind: ChildLinkKind, namespaceFD: Int32? = nil, mac: MACAddress? = nil
    ) throws -> NetlinkRequest {
        try LinkValidation.validateName(name)
        let data: [NetlinkAttribute]
        switch kind {
        case .macvlan(let mode):
            data = [.uint32(IFLA_MACVLAN_MODE, mode.kernelValue)]
        case .ipvlan(let mode, let flag):
            data = [.uint16(IFLA_IPVLAN_MODE, mode.kernelValue), .uint16(IFLA_IPVLAN_FLAGS, flag.kernelValue)]
        case .vlan(let id):
            guard (1...4094).contains(id) else { throw NetlinkError.invalidArgument("vlan id must be between 1-4094, received: \(id)") }
            data = [.uint16(IFLA_VLAN_ID, UInt16(id))]
        }
        var attributes: [NetlinkAttribute] = [.string(IFLA_IFNAME, name), .uint32(IFLA_LINK, UInt32(bitPattern: parentIndex))]
        if let mac { attributes.append(.bytes(IFLA_ADDRESS, mac.bytes)) }
        if let namespaceFD { attributes.append(.uint32(IFLA_NET_NS_FD, try LinkValidation.validatedNamespaceFD(namespaceFD))) }
        attributes.append(.nested(IFLA_LINKINFO, [.string(IFLA_INFO_KIND, kind.kind), .nested(IFLA_INFO_DATA, data)]))
        return NetlinkRequest(type: .RTM_NEWLINK, flags: create, header: interfaceHeader(), attributes: attributes)
    }

    /// `RTM_NEWLINK` creating a VXLAN device as the overlay driver wants it: `vni`, the UDP
    /// `port` (network order on the wire), the `local` underlay address, no learning (every
    /// remote entry comes from the cluster store) and proxy ARP (answered from the neighbour
    /// table), with an MTU when given.
    package static func createVXLAN(name: String, vni: Int, local: IPv4Address?, port: Int, mtu: Int?) throws -> NetlinkRequest {
        try LinkValidation.validateName(name)
        guard (1...0xFF_FFFF).contains(vni) else { throw NetlinkError.invalidArgument("VXLAN id must be between 1-16777215, received: \(vni)") }
        guard (1...65535).contains(port) else { throw NetlinkError.invalidArgument("VXLAN port must be between 1-65535, received: \(port)") }
        var data: [NetlinkAttribute] = [.uint32(IFLA_VXLAN_ID, UInt32(vni))]
        if let local { data.append(.bytes(IFLA_VXLAN_LOCAL, IPAddress.v4(local).bytes)) }
        data += [.bytes(IFLA_VXLAN_PORT, [UInt8(port >> 8), UInt8(port & 0xFF)]), .uint8(IFLA_VXLAN_LEARNING, 0), .uint8(IFLA_VXLAN_PROXY, 1)]
        var attributes: [NetlinkAttribute] = [.string(IFLA_IFNAME, name)]
        if let mtu { attributes.append(.uint32(IFLA_MTU, try LinkValidation.validatedMTU(mtu))) }
        attributes.append(.nested(IFLA_LINKINFO, [.string(IFLA_INFO_KIND, "vxlan"), .nested(IFLA_INFO_DATA, data)]))
        return NetlinkRequest(type: .RTM_NEWLINK, flags: create, header: interfaceHeader(), attributes: attributes)
    }

    /// `RTM_DELLINK` by name.
    package static func deleteLink(name: String) throws -> NetlinkRequest {
        try LinkValidation.validateName(name)
        return NetlinkRequest(
            type: .RTM_DELLINK, flags: change, header: interfaceHeader(), attributes: [.string(IFLA_IFNAME, name)])
    }

    /// `RTM_SETLINK` on the link called `name`, with `ifi_flags`/`ifi_change` and attributes.
    package static func setLink(
        name: String, flags: UInt32 = 0, change changeMask: UInt32 = 0, attributes: [NetlinkAttribute] = []
    ) throws -> NetlinkRequest {
        try LinkValidation.validateName(name)
        return NetlinkRequest(
            type: .RTM_SETLINK, flags: change, header: interfaceHeader(flags: flags, change: changeMask),
            attributes: [.string(IFLA_IFNAME, name)] + attributes)
    }

    /// `RTM_SETLINK` setting `IFF_UP` (and only that flag).
    package static func setLinkUp(name: String) throws -> NetlinkRequest {
        let up = LinkFlags.IFF_UP.rawValue
        return try setLink(name: name, flags: up, change: up)
    }

    /// `RTM_SETLINK` clearing `IFF_UP` (and only that flag).
    package static func setLinkDown(name: String) throws -> NetlinkRequest {
        try setLink(name: name, flags: 0, change: LinkFlags.IFF_UP.rawValue)
    }

    /// `RTM_SETLINK` with `IFLA_ADDRESS`: the link's Ethernet address.
    package static func setMAC(name: String, mac: MACAddress) throws -> NetlinkRequest {
        try LinkValidation.validateMAC(mac)
        return try setLink(name: name, attributes: [.bytes(IFLA_ADDRESS, mac.bytes)])
    }

    /// `RTM_SETLINK` renaming link `index` to `newName`: the index identifies the link, so
    /// `IFLA_IFNAME` is free to carry the new name (what `ip link set ... name` sends).
    package static func rename(index: Int32, to newName: String) throws -> NetlinkRequest {
        guard index > 0 else { throw NetlinkError.invalidArgument("invalid interface index \(index)") }
        try LinkValidation.validateName(newName)
        return NetlinkRequest(
            type: .RTM_SETLINK, flags: change, header: interfaceHeader(index: index),
            attributes: [.string(IFLA_IFNAME, newName)])
    }

    /// `RTM_SETLINK` with `IFLA_MTU`.
    package static func setMTU(name: String, mtu: Int) throws -> NetlinkRequest {
        try setLink(name: name, attributes: [.uint32(IFLA_MTU, LinkValidation.validatedMTU(mtu))])
    }

    /// `RTM_SETLINK` with `IFLA_IFALIAS` (an empty alias removes it).
    package static func setAlias(name: String, alias: String) throws -> NetlinkRequest {
        try LinkValidation.validateAlias(alias)
        return try setLink(name: name, attributes: [.string(IFLA_IFALIAS, alias)])
    }

    /// `RTM_SETLINK` with `IFLA_MASTER` (index 0 releases the link from its master).
    package static func setMaster(name: String, masterIndex: Int32) throws -> NetlinkRequest {
        try setLink(name: name, attributes: [.uint32(IFLA_MASTER, UInt32(bitPattern: masterIndex))])
    }

    /// `RTM_SETLINK` for the bridge port at `index` (family `AF_BRIDGE`, which the kernel routes to
    /// the bridge and which finds the port by index only) with `IFLA_PROTINFO { IFLA_BRPORT_MODE }`:
    /// hairpin mode, so a frame may leave through the port it came in on.
    package static func setHairpin(index: Int32, on: Bool) -> NetlinkRequest {
        var header = ifinfomsg()
        header.ifi_family = UInt8(AF_BRIDGE)
        header.ifi_index = index
        var bytes: [UInt8] = []
        bytes.appendRaw(header)
        let nested = UInt16(IFLA_PROTINFO) | UInt16(NLA_F_NESTED)
        return NetlinkRequest(
            type: .RTM_SETLINK, flags: change, header: bytes,
            attributes: [.nested(nested, [.bytes(IFLA_BRPORT_MODE, [on ? 1 : 0])])])
    }

    /// `RTM_SETLINK` with `IFLA_NET_NS_FD`: moves the link into the namespace open at `fd`.
    package static func setNamespace(name: String, fd: Int32) throws -> NetlinkRequest {
        try setLink(name: name, attributes: [.uint32(IFLA_NET_NS_FD, LinkValidation.validatedNamespaceFD(fd))])
    }

    /// `RTM_GETLINK` for one link by name; the kernel answers with one `RTM_NEWLINK` or `ENODEV`.
    package static func getLink(name: String) throws -> NetlinkRequest {
        try LinkValidation.validateName(name)
        return NetlinkRequest(
            type: .RTM_GETLINK, flags: change, header: interfaceHeader(), attributes: [.string(IFLA_IFNAME, name)])
    }

    /// `RTM_GETLINK` dump of every link in the socket's namespace.
    package static func dumpLinks() -> NetlinkRequest {
        NetlinkRequest(type: .RTM_GETLINK, flags: [.NLM_F_REQUEST, .NLM_F_DUMP], header: interfaceHeader())
    }
}
