import Foundation

/// A multi-step change in flight, written to the store before its first kernel step and
/// deleted in the same transaction as the change's last store write. A record still present at
/// start names a change a crash cut; the reconciliation reads its `phase` and `plan` and rolls
/// it forward or back.
public struct IntentRecord: Codable, Hashable, Sendable {
    /// The kinds of journaled change.
    public enum Operation: String, Codable, Sendable, CaseIterable {
        /// A container start (sandbox, endpoints, DNS, runtime); rolled forward when the
        /// process runs, back otherwise.
        case start
        /// An endpoint joining a network; rolled back (its record is written with the intent's deletion).
        case connect
        /// An endpoint leaving a network; rolled forward (the default route and published ports
        /// pass to the heir endpoint).
        case disconnect
        /// A network being created; rolled back (the device the driver may have made is removed).
        case networkCreate = "net-create"
        /// A network being removed; rolled forward.
        case networkRemove = "net-remove"
    }

    public var id: String
    public var operation: Operation
    /// The container or network the change is about.
    public var subject: String
    /// The network of a connect or disconnect, empty otherwise.
    public var network: String
    /// The last step recorded as done; `begun` before the first.
    public var phase: String
    /// What was decided before the first side effect (records as JSON, device names), so that a
    /// restart can find what the change may have made.
    public var plan: [String: String]
    /// Nanoseconds since 1970, for ordering.
    public var created: Int64

    public init(id: String, operation: Operation, subject: String, network: String = "", phase: String = "begun",
                plan: [String: String] = [:], created: Int64) {
        self.id = id
        self.operation = operation
        self.subject = subject
        self.network = network
        self.phase = phase
        self.plan = plan
        self.created = created
    }
}

/// One write of a transaction (`JournalStore.commit`).
public enum StoreChange: Sendable {
    case saveNetwork(NetworkRecord)
    case deleteNetwork(String)
    case saveEndpoint(EndpointRecord)
    case deleteEndpoint(String)
    case saveContainer(ContainerRecord)
    case deleteContainer(String)
    case saveIntent(IntentRecord)
    case deleteIntent(String)
}

/// The journal's part of the store: intents, and several writes in one transaction.
public protocol JournalStore: Sendable {
    /// Every intent, oldest first.
    func intents() async throws -> [IntentRecord]
    /// Applies every change in one transaction: all of them survive a crash, or none does.
    func commit(_ changes: [StoreChange]) async throws
}

extension IntentRecord {
    /// Plan keys the network layer and the container service use.
    public enum PlanKey {
        /// The `NetworkRecord` a create was about to save, as JSON.
        public static let network = "network"
        /// The `EndpointRecord` a connect was about to save or a disconnect removes, as JSON.
        public static let endpoint = "endpoint"
        /// "1" when the endpoint a disconnect removes carried its sandbox's default route.
        public static let gateway = "gateway"
        /// The sandbox (network namespace file) a start made.
        public static let sandbox = "sandbox"
    }

    /// `value` as JSON text, for a plan.
    public static func json<T: Encodable>(_ value: T) -> String {
        (try? JSONEncoder().encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }

    /// The plan's `key` decoded, nil when absent or unreadable.
    public func decode<T: Decodable>(_ type: T.Type, _ key: String) -> T? {
        guard let text = plan[key] else { return nil }
        return try? JSONDecoder().decode(type, from: Data(text.utf8))
    }
}
