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
    /// Creates a veth pair with both ends in this namespace.
    func createVeth(name: String, peerName: String, mtu: Int?) async throws
    /// Makes `name` a port of the bridge `master`.
    func setMaster(name: String, master: String) async throws
    /// Moves a link into the network namespace open at `fd` (`IFLA_NET_NS_FD`). The link
    /// leaves this namespace; the caller keeps ownership of `fd`.
    func setNamespace(name: String, fd: Int32) async throws
}
