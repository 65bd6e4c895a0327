import Synchronization

/// An in-memory store for tests; it also counts writes so tests can check that a failed
/// operation wrote nothing.
public final class MemoryStore: NetworkStore, ContainerStore {
    private struct State {
        var networks: [NetworkRecord] = []
        var endpoints: [EndpointRecord] = []
        var containers: [ContainerRecord] = []
        var intents: [IntentRecord] = []
        var settings: [String: String] = [:]
        var writes = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var writeCount: Int { state.withLock { $0.writes } }

    /// Inserts `item` or replaces the one with the same id, counting the write.
    private func upsert<T: Sendable>(_ path: WritableKeyPath<State, [T]>, _ item: T, id: KeyPath<T, String>) {
        state.withLock { s in
            s.writes += 1
            if let i = s[keyPath: path].firstIndex(where: { $0[keyPath: id] == item[keyPath: id] }) {
                s[keyPath: path][i] = item
            } else {
                s[keyPath: path].append(item)
            }
        }
    }

    /// Removes the item with `id`, counting the write.
    private func delete<T: Sendable>(_ path: WritableKeyPath<State, [T]>, id value: String, by id: KeyPath<T, String>) {
        state.withLock { s in
            s.writes += 1
            s[keyPath: path].removeAll { $0[keyPath: id] == value }
        }
    }

    public func networks() async throws -> [NetworkRecord] { state.withLock { $0.networks } }
    public func save(_ network: NetworkRecord) async throws { upsert(\.networks, network, id: \.id) }
    public func deleteNetwork(id: String) async throws { delete(\.networks, id: id, by: \NetworkRecord.id) }

    public func endpoints() async throws -> [EndpointRecord] { state.withLock { $0.endpoints } }
    public func saveEndpoint(_ endpoint: EndpointRecord) async throws { upsert(\.endpoints, endpoint, id: \.id) }
    public func deleteEndpoint(id: String) async throws { delete(\.endpoints, id: id, by: \EndpointRecord.id) }

    public func containers() async throws -> [ContainerRecord] { state.withLock { $0.containers } }
    public func saveContainer(_ container: ContainerRecord) async throws { upsert(\.containers, container, id: \.id) }
    public func deleteContainer(id: String) async throws { delete(\.containers, id: id, by: \ContainerRecord.id) }

    public func intents() async throws -> [IntentRecord] { state.withLock { $0.intents } }

    /// Applies the changes under one lock: a test sees all of them or none.
    public func commit(_ changes: [StoreChange]) async throws {
        state.withLock { s in
            s.writes += 1
            for change in changes { Self.apply(change, to: &s) }
        }
    }

    private static func apply(_ change: StoreChange, to s: inout State) {
        func put<T>(_ list: inout [T], _ item: T, same: (T) -> Bool) {
            if let i = list.firstIndex(where: same) { list[i] = item } else { list.append(item) }
        }
        switch change {
        case .saveNetwork(let n): put(&s.networks, n) { $0.id == n.id }
        case .deleteNetwork(let id): s.networks.removeAll { $0.id == id }
        case .saveEndpoint(let e): put(&s.endpoints, e) { $0.id == e.id }
        case .deleteEndpoint(let id): s.endpoints.removeAll { $0.id == id }
        case .saveContainer(let c): put(&s.containers, c) { $0.id == c.id }
        case .deleteContainer(let id): s.containers.removeAll { $0.id == id }
        case .saveIntent(let i): put(&s.intents, i) { $0.id == i.id }
        case .deleteIntent(let id): s.intents.removeAll { $0.id == id }
        }
    }

    public func setting(_ key: String) async throws -> String? { state.withLock { $0.settings[key] } }

    public func setSetting(_ key: String, _ value: String) async throws {
        state.withLock { s in
            s.writes += 1
            s.settings[key] = value
        }
    }
}
