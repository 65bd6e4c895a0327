import BerthCore
import NIOPosix
import Synchronization

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

    public func createVeth(name: String, peerName: String, mtu: Int?) async throws {
        try await run { try $0.createVeth(name: name, peerName: peerName, mtu: mtu) }
    }

    public func setMaster(name: String, master: String) async throws {
        try await run { try $0.setMaster(name: name, master: master) }
    }

    public func setNamespace(name: String, fd: Int32) async throws {
        try await run { try $0.setNamespace(name: name, fd: fd) }
    }
}
