import BerthCore

/// What a network driver does in the kernel when networks come and go.
///
/// Drivers are called by `NetworkController` after validation and IPAM, so they receive
/// complete, valid networks; they must leave nothing behind when they throw.
public protocol NetworkDriver: Sendable {
    /// The driver's name as the API shows it (`bridge`, `host`, `null`).
    var name: String { get }
    /// Checks driver options before anything is reserved; throws `BerthError` (400) on bad input.
    func validate(options: [String: String]) throws(BerthError)
    /// Creates the kernel objects of a new network.
    func create(_ network: Network) async throws
    /// Removes the kernel objects of a network; missing objects are not an error.
    func delete(_ network: Network) async throws
    /// Brings the kernel in line with the known networks of this driver at daemon start:
    /// re-creates what is missing and removes what Berth made and no longer knows.
    func reconcile(_ networks: [Network]) async throws
}

/// Drivers with nothing to do in the kernel: `host` shares the daemon's namespace, `null`
/// gives containers only a loopback.
public struct PassiveDriver: NetworkDriver {
    public let name: String

    public init(name: String) { self.name = name }

    public func validate(options: [String: String]) throws(BerthError) {}
    public func create(_ network: Network) async throws {}
    public func delete(_ network: Network) async throws {}
    public func reconcile(_ networks: [Network]) async throws {}
}
