import BerthCore
import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// Link operations. Each is one or two blocking exchanges; see `RouteNetlink` for semantics.
extension NetlinkSession {
    /// Creates a bridge, then sets its MTU and alias with `RTM_SETLINK`.
    ///
    /// The MTU is set after creation on purpose: only an MTU set through `RTM_SETLINK` marks it
    /// as chosen by the user, and otherwise the bridge adopts its ports' smallest MTU when the
    /// first one is enslaved. The kernel also ignores `IFLA_IFALIAS` in a create request. If a
    /// follow-up step fails, the half-configured bridge is deleted before the error is thrown.
    public func createBridge(name: String, mtu: Int?, alias: String?) throws {
        var followUps: [NetlinkRequest] = []
        if let mtu { followUps.append(try .setMTU(name: name, mtu: mtu)) }
        if let alias { followUps.append(try .setAlias(name: name, alias: alias)) }
        _ = try execute(.createBridge(name: name))
        Failpoint.hit("bridge.after-newlink")
        do {
            for request in followUps { _ = try execute(request) }
        } catch {
            _ = try? execute(.deleteLink(name: name))
            throw error
        }
    }

    /// Creates a child link (macvlan, ipvlan, VLAN) of `parent`, a link of this namespace; with
    /// `namespaceFD` the child is born in that namespace.
    public func createChild(name: String, parent: String, kind: ChildLinkKind, namespaceFD: Int32? = nil, mac: MACAddress? = nil) throws {
        let index = try index(ofLink: parent)
        _ = try execute(.createChild(name: name, parentIndex: index, kind: kind, namespaceFD: namespaceFD, mac: mac))
    }

    /// Creates a veth pair. `name` is created in the socket's namespace; `peerName` too, or,
    /// with `peerNamespaceFD`, directly inside the namespace open at that fd (the caller keeps
    /// the fd), so the container end never shows up here.
    public func createVeth(name: String, peerName: String, peerNamespaceFD: Int32? = nil, mtu: Int?) throws {
        _ = try execute(.createVeth(name: name, peerName: peerName, peerNamespaceFD: peerNamespaceFD, mtu: mtu))
    }

    /// Deletes a link; deleting one end of a veth pair deletes both.
    public func deleteLink(name: String) throws {
        _ = try execute(.deleteLink(name: name))
    }

    /// Sets `IFF_UP`.
    public func setLinkUp(name: String) throws {
        _ = try execute(.setLinkUp(name: name))
    }

    /// Clears `IFF_UP`.
    public func setLinkDown(name: String) throws {
        _ = try execute(.setLinkDown(name: name))
    }

    /// Sets the Ethernet address (`IFLA_ADDRESS`); multicast and all-zero addresses are refused.
    public func setMAC(name: String, mac: MACAddress) throws {
        _ = try execute(.setMAC(name: name, mac: mac))
    }

    /// Renames a link. Rename links only while they are down: older kernels refuse to rename a
    /// running device with `EBUSY` (recent ones, such as 6.18, allow it). A taken name fails
    /// with `EEXIST`.
    public func rename(name: String, to newName: String) throws {
        try LinkValidation.validateName(newName)
        _ = try execute(.rename(index: index(ofLink: name), to: newName))
    }

    /// Sets the MTU.
    public func setMTU(name: String, mtu: Int) throws {
        _ = try execute(.setMTU(name: name, mtu: mtu))
    }

    /// Sets the alias (`IFLA_IFALIAS`); an empty alias removes it.
    public func setAlias(name: String, alias: String) throws {
        _ = try execute(.setAlias(name: name, alias: alias))
    }

    /// Makes `name` a port of `master`; a missing master fails with `ENODEV` (`RTM_GETLINK`).
    public func setMaster(name: String, master: String) throws {
        guard let masterLink = try link(named: master) else {
            throw NetlinkError.kernel(operation: NetlinkMessageType.RTM_GETLINK.description, errno: ENODEV)
        }
        _ = try execute(.setMaster(name: name, masterIndex: masterLink.index))
    }

    /// Turns hairpin mode of the bridge port `name` on or off; `ENODEV` when there is no such link.
    public func setHairpin(name: String, on: Bool) throws {
        guard let port = try link(named: name) else {
            throw NetlinkError.kernel(operation: NetlinkMessageType.RTM_GETLINK.description, errno: ENODEV)
        }
        _ = try execute(.setHairpin(index: port.index, on: on))
    }

    /// Moves the link into the network namespace open at `fd` (`IFLA_NET_NS_FD`).
    public func setNamespace(name: String, fd: Int32) throws {
        _ = try execute(.setNamespace(name: name, fd: fd))
    }

    /// Every link in the socket's namespace, in the kernel's order (by index).
    public func links() throws -> [LinkInfo] {
        try dump(.dumpLinks()).compactMap { message in
            message.type == .RTM_NEWLINK ? try LinkInfo(message: message) : nil
        }
    }

    /// The link called `name`, or `nil` when the kernel answers `ENODEV`.
    public func link(named name: String) throws -> LinkInfo? {
        let replies: [NetlinkMessage]
        do {
            replies = try execute(.getLink(name: name))
        } catch NetlinkError.kernel(_, ENODEV) {
            return nil
        }
        guard let reply = replies.first(where: { $0.type == .RTM_NEWLINK }) else {
            throw NetlinkError.malformed("RTM_GETLINK for \(name) was acknowledged without an RTM_NEWLINK")
        }
        return try LinkInfo(message: reply)
    }

    /// The index of the link called `name`; `ENODEV` (as `RTM_GETLINK`) when there is none.
    func index(ofLink name: String) throws -> Int32 {
        guard let link = try link(named: name) else {
            throw NetlinkError.kernel(operation: NetlinkMessageType.RTM_GETLINK.description, errno: ENODEV)
        }
        return link.index
    }
}
