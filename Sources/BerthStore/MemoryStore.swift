import Synchronization

/// An in-memory `NetworkStore` for tests; it also counts writes so tests can check that a
/// failed operation wrote nothing.
public final class MemoryStore: NetworkStore, ContainerStore {
    private struct State {
        var networks: [NetworkRecord] = []
        var endpoints: [EndpointRecord] = []
        var containers: [ContainerRecord] = []
        var settings: [String: String] = [:]
        var writes = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var writeCount: Int { state.withLock { $0.writes } }

    public func networks() async throws -> [NetworkRecord] { state.withLock { $0.networks } }

    public func save(_ network: NetworkRecord) async throws {
        state.withLock { s in
            s.writes += 1
            if let i = s.networks.firstIndex(where: { $0.id == network.id }) {
                s.networks[i] = network
            } else {
                s.networks.append(network)
            }
        }
    }

    public func deleteNetwork(id: String) async throws {
        state.withLock { s in
            s.writes += 1
            s.networks.removeAll { $0.id == id }
        }
    }

    public func endpoints() async throws -> [EndpointRecord] { state.withLock { $0.endpoints } }

    public func saveEndpoint(_ endpoint: EndpointRecord) async throws {
        state.withLock { s in
            s.writes += 1
            if let i = s.endpoints.firstIndex(where: { $0.id == endpoint.id }) {
                s.endpoints[i] = endpoint
            } else {
                s.endpoints.append(endpoint)
            }
        }
    }

    public func deleteEndpoint(id: String) async throws {
        state.withLock { s in
            s.writes += 1
            s.endpoints.removeAll { $0.id == id }
        }
    }

    public func containers() async throws -> [ContainerRecord] { state.withLock { $0.containers } }

    public func saveContainer(_ container: ContainerRecord) async throws {
        state.withLock { s in
            s.writes += 1
            if let i = s.containers.firstIndex(where: { $0.id == container.id }) {
                s.containers[i] = container
            } else {
                s.containers.append(container)
            }
        }
    }

    public func deleteContainer(id: String) async throws {
        state.withLock { s in
            s.writes += 1
            s.containers.removeAll { $0.id == id }
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
