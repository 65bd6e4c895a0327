import BerthCore
import Foundation
import GRDB

/// The daemon's state in SQLite (`<data-root>/berth.db`), through GRDB.
///
/// Reads and writes go through GRDB's async API, which runs them on GRDB's own queue, so
/// the Swift cooperative pool never blocks on file I/O.
public final class SQLiteStore: NetworkStore, ContainerStore {
    private let db: DatabasePool

    /// Opens (creating if needed) the database at `path` and migrates it to the current schema.
    public init(path: String) throws {
        do {
            var config = Configuration()
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
            db = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(db)
        } catch {
            throw BerthError.internalError("cannot open the state database \(path): \(error); check that the data root is writable", cause: error)
        }
    }

    private static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-networks") { db in
            try db.create(table: "network") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull()
                t.column("driver", .text).notNull()
                t.column("created", .integer).notNull()
                t.column("body", .blob).notNull()
            }
            try db.create(table: "setting") { t in
                t.primaryKey("key", .text)
                t.column("value", .text).notNull()
            }
        }
        m.registerMigration("v2-endpoints") { db in
            try db.create(table: "endpoint") { t in
                t.primaryKey("id", .text)
                t.column("networkID", .text).notNull().indexed()
                t.column("containerID", .text).notNull().indexed()
                t.column("body", .blob).notNull()
            }
        }
        m.registerMigration("v3-containers") { db in
            try db.create(table: "container") { t in
                t.primaryKey("id", .text)
                t.column("name", .text).notNull().unique()
                t.column("created", .integer).notNull()
                t.column("body", .blob).notNull()
            }
        }
        m.registerMigration("v4-intents") { db in
            try db.create(table: "intent") { t in
                t.primaryKey("id", .text)
                t.column("created", .integer).notNull()
                t.column("body", .blob).notNull()
            }
        }
        return m
    }

    public func intents() async throws -> [IntentRecord] {
        let bodies = try await db.read { db in
            try Data.fetchAll(db, sql: "SELECT body FROM intent ORDER BY created, id")
        }
        let decoder = JSONDecoder()
        return try bodies.map { try decoder.decode(IntentRecord.self, from: $0) }
    }

    public func commit(_ changes: [StoreChange]) async throws {
        // Encoded before the transaction: the write lock is held only for the statements.
        let statements = try changes.map(Self.statement)
        try await db.write { db in
            for (sql, arguments) in statements { try db.execute(sql: sql, arguments: arguments) }
        }
    }

    /// The SQL of one change.
    private static func statement(_ change: StoreChange) throws -> (String, StatementArguments) {
        let encoder = JSONEncoder()
        switch change {
        case .saveNetwork(let n):
            return ("INSERT OR REPLACE INTO network (id, name, driver, created, body) VALUES (?, ?, ?, ?, ?)",
                    [n.id, n.name, n.driver, n.created, try encoder.encode(n)])
        case .deleteNetwork(let id):
            return ("DELETE FROM network WHERE id = ?", [id])
        case .saveEndpoint(let e):
            return ("INSERT OR REPLACE INTO endpoint (id, networkID, containerID, body) VALUES (?, ?, ?, ?)",
                    [e.id, e.networkID, e.containerID, try encoder.encode(e)])
        case .deleteEndpoint(let id):
            return ("DELETE FROM endpoint WHERE id = ?", [id])
        case .saveContainer(let c):
            return ("INSERT OR REPLACE INTO container (id, name, created, body) VALUES (?, ?, ?, ?)",
                    [c.id, c.name, c.created, try encoder.encode(c)])
        case .deleteContainer(let id):
            return ("DELETE FROM container WHERE id = ?", [id])
        case .saveIntent(let i):
            return ("INSERT OR REPLACE INTO intent (id, created, body) VALUES (?, ?, ?)", [i.id, i.created, try encoder.encode(i)])
        case .deleteIntent(let id):
            return ("DELETE FROM intent WHERE id = ?", [id])
        }
    }

    public func networks() async throws -> [NetworkRecord] {
        let bodies = try await db.read { db in
            try Data.fetchAll(db, sql: "SELECT body FROM network ORDER BY created, id")
        }
        let decoder = JSONDecoder()
        return try bodies.map { try decoder.decode(NetworkRecord.self, from: $0) }
    }

    public func save(_ network: NetworkRecord) async throws { try await commit([.saveNetwork(network)]) }

    public func deleteNetwork(id: String) async throws { try await commit([.deleteNetwork(id)]) }

    public func endpoints() async throws -> [EndpointRecord] {
        let bodies = try await db.read { db in
            try Data.fetchAll(db, sql: "SELECT body FROM endpoint ORDER BY rowid")
        }
        let decoder = JSONDecoder()
        return try bodies.map { try decoder.decode(EndpointRecord.self, from: $0) }
    }

    public func saveEndpoint(_ endpoint: EndpointRecord) async throws { try await commit([.saveEndpoint(endpoint)]) }

    public func deleteEndpoint(id: String) async throws { try await commit([.deleteEndpoint(id)]) }

    public func containers() async throws -> [ContainerRecord] {
        let bodies = try await db.read { db in
            try Data.fetchAll(db, sql: "SELECT body FROM container ORDER BY created, id")
        }
        let decoder = JSONDecoder()
        return try bodies.map { try decoder.decode(ContainerRecord.self, from: $0) }
    }

    public func saveContainer(_ container: ContainerRecord) async throws { try await commit([.saveContainer(container)]) }

    public func deleteContainer(id: String) async throws { try await commit([.deleteContainer(id)]) }

    public func setting(_ key: String) async throws -> String? {
        try await db.read { db in
            try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ?", arguments: [key])
        }
    }

    public func setSetting(_ key: String, _ value: String) async throws {
        try await db.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO setting (key, value) VALUES (?, ?)", arguments: [key, value])
        }
    }
}
