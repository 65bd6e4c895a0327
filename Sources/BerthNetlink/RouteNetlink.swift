import BerthCore

/// The rtnetlink operations the network layer needs, on one network namespace.
///
/// Errors are `NetlinkError`; kernel refusals are `.kernel(operation:errno:)` so callers can
/// match `EEXIST` or `ENODEV`. `LinuxRouteNetlink` talks to the kernel;
/// `RecordingRouteNetlink` is an in-memory double for unit tests.
public protocol RouteNetlink: Sendable {
    /// Creates a bridge (`RTM_NEWLINK`, `NLM_F_CREATE | NLM_F_EXCL`, kind `bridge`), then sets
    /// its MTU and alias when given. An existing link of that name fails with `EEXIST`.
    func createBridge(name: String, mtu: Int?, alias: String?) async throws
    /// Deletes a link by name (`RTM_DELLINK`); `ENODEV` when there is none.
    func deleteLink(name: String) async throws
    /// Brings a link up (`IFF_UP`).
    func setLinkUp(name: String) async throws
    /// Sets a link's MTU.
    func setMTU(name: String, mtu: Int) async throws
    /// Sets a link's alias (`IFLA_IFALIAS`), Berth's mark of ownership.
    func setAlias(name: String, alias: String) async throws
    /// Adds an address, keeping its host part (`172.18.0.1/16`); IPv4 also gets its broadcast
    /// address. Adding an address that is already there succeeds.
    func addAddress(_ address: CIDR, link name: String) async throws
    /// Every link in the namespace (`RTM_GETLINK` dump).
    func links() async throws -> [LinkInfo]
    /// The link called `named`, or `nil` when there is none.
    func link(named: String) async throws -> LinkInfo?
    /// The addresses of a link (`RTM_GETADDR` dump filtered by its index); `ENODEV` when the
    /// link does not exist.
    func addresses(link name: String) async throws -> [CIDR]
    /// Creates a veth pair: `name` in this namespace and `peerName` here too, or, with
    /// `peerNamespaceFD`, directly inside the namespace open at that fd (`IFLA_NET_NS_FD` in
    /// the peer's attributes), so a container's end never appears in this namespace. The peer's
    /// name only has to be free where it is born; the caller keeps ownership of the fd.
    func createVeth(name: String, peerName: String, peerNamespaceFD: Int32?, mtu: Int?) async throws
    /// Creates a macvlan, ipvlan or VLAN child of `parent` (a link of this namespace), born in
    /// the namespace open at `namespaceFD` when given; `mac` is its Ethernet address.
    func createChild(name: String, parent: String, kind: ChildLinkKind, namespaceFD: Int32?, mac: MACAddress?) async throws
    /// Makes `name` a port of the bridge `master`.
    func setMaster(name: String, master: String) async throws
    /// Turns hairpin mode of the bridge port `name` on or off (a container reaching itself
    /// through a published port sends frames that must leave by the port they came in on).
    func setHairpin(name: String, on: Bool) async throws
    /// Moves a link into the network namespace open at `fd` (`IFLA_NET_NS_FD`). The link
    /// leaves this namespace; the caller keeps ownership of `fd`.
    func setNamespace(name: String, fd: Int32) async throws
    /// Brings a link down (clears `IFF_UP`).
    func setLinkDown(name: String) async throws
    /// Sets a link's Ethernet address (`IFLA_ADDRESS`); multicast and all-zero addresses are
    /// refused before anything is sent.
    func setMAC(name: String, mac: MACAddress) async throws
    /// Renames a link (`IFLA_IFNAME` on its index). The link must be down: older kernels
    /// answer `EBUSY` otherwise (recent ones allow it; `RecordingRouteNetlink` keeps the strict
    /// rule). A name that is taken fails with `EEXIST`.
    func rename(name: String, to newName: String) async throws
    /// Adds a unicast route out of `link`: to `destination` (`nil`: the default route), via
    /// `gateway` when given, in `table` (`nil`: main) with `metric` (`nil`: the kernel's
    /// default). The family comes from `destination` or `gateway`; for a default route without
    /// a gateway, pass `0.0.0.0/0` or `::/0`. A destination's host bits are ignored. Adding a route that is already there succeeds; a different route in the same
    /// slot (same destination and metric) fails with `EEXIST`. An IPv4 gateway must be
    /// reachable through an address on an up link, or the kernel answers `ENETUNREACH`.
    func addRoute(destination: CIDR?, gateway: IPAddress?, link: String, table: Int?, metric: Int?) async throws
    /// Deletes the route out of `link` to `destination`; a gateway or metric that is given must
    /// match too. A route that is not there fails with `ESRCH`.
    func deleteRoute(destination: CIDR?, gateway: IPAddress?, link: String, table: Int?, metric: Int?) async throws
    /// The unicast routes of the main table (`RTM_GETROUTE` dump), IPv4 first, optionally only
    /// those out of `link` (`ENODEV` when it does not exist).
    func routes(link: String?) async throws -> [RouteInfo]
    /// Creates a VXLAN device: `vni`, UDP `port`, `local` underlay address, no learning, proxy
    /// ARP. `EEXIST` when the name is taken, or when another device has this VNI and port.
    func createVXLAN(name: String, vni: Int, local: IPv4Address?, port: Int, mtu: Int?) async throws
    /// Sets a permanent neighbour entry (`ip` is at `mac`) on `link`, replacing an older one.
    func replaceNeighbour(_ ip: IPAddress, mac: MACAddress, link: String) async throws
    /// Removes the neighbour entry of `ip` on `link`; `ENOENT` when there is none.
    func deleteNeighbour(_ ip: IPAddress, link: String) async throws
    /// Sets a permanent FDB entry on the VXLAN device `link`: frames to `mac` go to the VTEP at
    /// `destination`.
    func replaceForwarding(mac: MACAddress, destination: IPAddress, link: String) async throws
    /// Removes that FDB entry; `ENOENT` when there is none.
    func deleteForwarding(mac: MACAddress, destination: IPAddress, link: String) async throws
}

extension RouteNetlink {
    /// Creates a veth pair with both ends in this namespace.
    public func createVeth(name: String, peerName: String, mtu: Int?) async throws {
        try await createVeth(name: name, peerName: peerName, peerNamespaceFD: nil, mtu: mtu)
    }

    /// Adds a route in the main table with the kernel's default metric.
    public func addRoute(destination: CIDR?, gateway: IPAddress?, link: String) async throws {
        try await addRoute(destination: destination, gateway: gateway, link: link, table: nil, metric: nil)
    }

    /// Deletes a route from the main table, whatever its metric.
    public func deleteRoute(destination: CIDR?, gateway: IPAddress?, link: String) async throws {
        try await deleteRoute(destination: destination, gateway: gateway, link: link, table: nil, metric: nil)
    }

    /// Every unicast route of the main table.
    public func routes() async throws -> [RouteInfo] {
        try await routes(link: nil)
    }
}
