import BerthCore
import CBerth
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `RouteNetlink` over a real rtnetlink socket.
///
/// One socket, one exchange at a time (a `Mutex` serialises them), each run on a
/// `NIOThreadPool` thread because netlink I/O blocks and must never occupy the cooperative pool.
public final class LinuxRouteNetlink: RouteNetlink {
    private let session: Mutex<NetlinkSession>
    private let threadPool: NIOThreadPool

    /// Uses `socket`, which decides the namespace (open it on a `NamespaceThread` for another).
    ///
    /// - Parameter threadPool: where blocking exchanges run; it must be started. Defaults to
    ///   NIO's process-wide pool.
    public init(socket: sending any NetlinkSocket, threadPool: NIOThreadPool = .singleton) {
        session = Mutex(NetlinkSession(socket: socket))
        self.threadPool = threadPool
    }

    /// Opens a `LinuxNetlinkSocket` in the calling thread's network namespace.
    public convenience init(threadPool: NIOThreadPool = .singleton) throws {
        self.init(socket: try LinuxNetlinkSocket(), threadPool: threadPool)
    }

    /// Opens its socket inside the network namespace open at `namespaceFD`, on a
    /// `NamespaceThread` that `setns`es into it and then exits, so no Swift concurrency thread
    /// ever changes namespace. The socket stays bound to that namespace for its whole life;
    /// the caller keeps ownership of the fd and may close it once this returns.
    public convenience init(namespaceFD: Int32, threadPool: NIOThreadPool = .singleton) async throws {
        let socket = try await NamespaceThread.run(network: .enter(fd: namespaceFD)) { try LinuxNetlinkSocket() }
        self.init(socket: socket, threadPool: threadPool)
    }

    /// Opens its socket inside the network namespace pinned at `namespacePath` (a file made by
    /// `NetworkNamespace.create(at:)` or `ip netns add`, or `/proc/<pid>/ns/net`). The path is
    /// opened, entered and closed again on a `NamespaceThread`; only the socket remains, and it
    /// keeps the namespace alive even if the file is removed.
    public convenience init(namespacePath: String, threadPool: NIOThreadPool = .singleton) async throws {
        let socket = try await NamespaceThread.run(network: .enterPath(namespacePath)) { try LinuxNetlinkSocket() }
        self.init(socket: socket, threadPool: threadPool)
    }

    private func run<Result: Sendable>(
        _ body: @escaping @Sendable (NetlinkSession) throws -> Result
    ) async throws -> Result {
        try await threadPool.runIfActive {
            try self.session.withLock { session in try body(session) }
        }
    }

    public func createBridge(name: String, mtu: Int?, alias: String?) async throws {
        try await run { try $0.createBridge(name: name, mtu: mtu, alias: alias) }
    }

    public func deleteLink(name: String) async throws {
        try await run { try $0.deleteLink(name: name) }
    }

    public func setLinkUp(name: String) async throws {
        try await run { try $0.setLinkUp(name: name) }
    }

    public func setMTU(name: String, mtu: Int) async throws {
        try await run { try $0.setMTU(name: name, mtu: mtu) }
    }

    public func setAlias(name: String, alias: String) async throws {
        try await run { try $0.setAlias(name: name, alias: alias) }
    }

    public func addAddress(_ address: CIDR, link name: String) async throws {
        try await run { try $0.addAddress(address, link: name) }
    }

    public func links() async throws -> [LinkInfo] {
        try await run { try $0.links() }
    }

    public func link(named name: String) async throws -> LinkInfo? {
        try await run { try $0.link(named: name) }
    }

    public func addresses(link name: String) async throws -> [CIDR] {
        try await run { try $0.addresses(link: name) }
    }

    public func createChild(name: String, parent: String, kind: ChildLinkKind, namespaceFD: Int32?, mac: MACAddress?) async throws {
        try await run { try $0.createChild(name: name, parent: parent, kind: kind, namespaceFD: namespaceFD, mac: mac) }
    }

    public func createVXLAN(name: String, vni: Int, local: IPv4Address?, port: Int, mtu: Int?) async throws {
        try await run { try $0.createVXLAN(name: name, vni: vni, local: local, port: port, mtu: mtu) }
    }

    public func replaceNeighbour(_ ip: IPAddress, mac: MACAddress, link: String) async throws {
        try await run { try $0.replaceNeighbour(ip, mac: mac, link: link) }
    }

    public func deleteNeighbour(_ ip: IPAddress, link: String) async throws {
        try await run { try $0.deleteNeighbour(ip, link: link) }
    }

    public func replaceForwarding(mac: MACAddress, destination: IPAddress, link: String) async throws {
        try await run { try $0.replaceForwarding(mac: mac, destination: destination, link: link) }
    }

    public func deleteForwarding(mac: MACAddress, destination: IPAddress, link: String) async throws {
        try await run { try $0.deleteForwarding(mac: mac, destination: destination, link: link) }
    }

    public func createVeth(name: String, peerName: String, peerNamespaceFD: Int32?, mtu: Int?) async throws {
        try await run {
            try $0.createVeth(name: name, peerName: peerName, peerNamespaceFD: peerNamespaceFD, mtu: mtu)
        }
    }

    public func setMaster(name: String, master: String) async throws {
        try await run { try $0.setMaster(name: name, master: master) }
    }

    public func setHairpin(name: String, on: Bool) async throws {
        try await run { try $0.setHairpin(name: name, on: on) }
    }

    public func setNamespace(name: String, fd: Int32) async throws {
        try await run { try $0.setNamespace(name: name, fd: fd) }
    }

    public func setLinkDown(name: String) async throws {
        try await run { try $0.setLinkDown(name: name) }
    }

    public func setMAC(name: String, mac: MACAddress) async throws {
        try await run { try $0.setMAC(name: name, mac: mac) }
    }

    public func rename(name: String, to newName: String) async throws {
        try await run { try $0.rename(name: name, to: newName) }
    }

    public func addRoute(
        destination: CIDR?, gateway: IPAddress?, link: String, table: Int?, metric: Int?
    ) async throws {
        try await run {
            try $0.addRoute(destination: destination, gateway: gateway, link: link, table: table, metric: metric)
        }
    }

    public func deleteRoute(
        destination: CIDR?, gateway: IPAddress?, link: String, table: Int?, metric: Int?
    ) async throws {
        try await run {
            try $0.deleteRoute(destination: destination, gateway: gateway, link: link, table: table, metric: metric)
        }
    }

    public func routes(link: String?) async throws -> [RouteInfo] {
        try await run { try $0.routes(link: link) }
    }
}
