/// The persistence seam of the network layer. `SQLiteStore` is the real one;
/// `MemoryStore` serves unit tests.
public protocol NetworkStore: JournalStore {
    /// Every network, in creation order.
    func networks() async throws -> [NetworkRecord]
    /// Inserts or replaces a network.
    func save(_ network: NetworkRecord) async throws
    /// Removes a network; removing a missing one is not an error.
    func deleteNetwork(id: String) async throws
    /// Every endpoint, in join order.
    func endpoints() async throws -> [EndpointRecord]
    /// Inserts or replaces an endpoint.
    func saveEndpoint(_ endpoint: EndpointRecord) async throws
    /// Removes an endpoint; removing a missing one is not an error.
    func deleteEndpoint(id: String) async throws
    /// A daemon-wide setting, nil when unset.
    func setting(_ key: String) async throws -> String?
    func setSetting(_ key: String, _ value: String) async throws
}
