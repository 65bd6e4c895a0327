import BerthNetlink

/// Access to a container's network namespace (its sandbox) without entering it on a Swift
/// concurrency thread: a netlink client whose socket was opened inside the namespace, and a
/// file descriptor naming the namespace (veth peers are created directly inside it).
public struct SandboxHandle: Sendable {
    public var netlink: any RouteNetlink
    public var namespaceFD: Int32
    private let closer: @Sendable () -> Void

    public init(netlink: any RouteNetlink, namespaceFD: Int32, close: @escaping @Sendable () -> Void) {
        self.netlink = netlink
        self.namespaceFD = namespaceFD
        closer = close
    }

    /// Releases the descriptor and the socket.
    public func close() { closer() }
}

/// Opens sandboxes by their key (the namespace file's path). The seam lets unit tests hand
/// out recording netlinks per namespace.
public protocol SandboxProvider: Sendable {
    func open(_ sandboxKey: String) async throws -> SandboxHandle
    /// Makes a new, empty namespace pinned at `key` (a driver's own, such as an overlay
    /// network's); fails when one is there.
    func create(_ key: String) async throws
    /// Unpins and deletes the namespace at `key`; a missing one is fine.
    func remove(_ key: String) async throws
    /// The keys of the namespaces pinned in `directory` (file names), for a driver's reconcile.
    func list(in directory: String) -> [String]
}
