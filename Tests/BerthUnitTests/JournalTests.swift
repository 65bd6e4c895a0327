import BerthCore
import BerthNetlink
import BerthStore
import Foundation
import GRDB
import Logging
import Testing

@testable import BerthNetwork

/// The journal (intents and one-transaction commits) and the restart's resolution of the
/// network changes a crash cut, against the in-memory store, SQLite and the recording netlink.
@Suite struct JournalTests {
    static func network(_ name: String) -> NetworkRecord {
        NetworkRecord(id: Identifier.random(), name: name, driver: "bridge", created: Timestamp.now().nanoseconds, ipamOptions: nil)
    }

    @Test func finishCommitsTheRecordsAndDeletesTheIntentInOneWrite() async throws {
        let store = MemoryStore()
        let change = try await JournaledChange.begin(.networkCreate, subject: "n1", plan: ["k": "v"], in: store)
        let intents = try await store.intents()
        #expect(intents.map(\.operation) == [.networkCreate] && intents.first?.plan == ["k": "v"] && intents.first?.phase == "begun")
        var undone = false
        change.onUndo { undone = true }
        let before = store.writeCount
        let record = Self.network("n1")
        try await change.finish([.saveNetwork(record)])
        #expect(store.writeCount == before + 1)
        #expect(try await store.intents().isEmpty)
        #expect(try await store.networks().map(\.id) == [record.id])
        #expect(!undone)
    }

    @Test func rollbackUndoesNewestFirstAndDeletesTheIntent() async throws {
        let store = MemoryStore()
        let change = try await JournaledChange.begin(.connect, subject: "c1", network: "n1", in: store)
        var order: [Int] = []
        change.onUndo { order.append(1) }
        change.onUndo { order.append(2) }
        try await change.advance("joined", plan: ["veth": "veth1234567"])
        #expect(try await store.intents().first?.phase == "joined")
        #expect(try await store.intents().first?.plan["veth"] == "veth1234567")
        await change.rollback()
        #expect(order == [2, 1])
        #expect(try await store.intents().isEmpty)
    }

    @Test func sqliteKeepsIntentsAcrossReopenAndCommitsAllOrNothing() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("berth-journal-\(Identifier.random().prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/berth.db"
        let record = Self.network("n1")
        do {
            let store = try SQLiteStore(path: path)
            _ = try await JournaledChange.begin(.networkRemove, subject: record.id, in: store)
            try await store.commit([.saveNetwork(record)])
        }
        let store = try SQLiteStore(path: path)
        let intents = try await store.intents()
        #expect(intents.map(\.operation) == [.networkRemove] && intents.first?.subject == record.id)
        // A write that fails inside the transaction (a trigger refuses it): none of them is kept.
        let other = try DatabaseQueue(path: path)
        try await other.write { db in
            try db.execute(sql: "CREATE TRIGGER refuse BEFORE INSERT ON container WHEN NEW.name = 'refused' BEGIN SELECT RAISE(ABORT, 'refused'); END")
        }
        let a = ContainerRecord(id: Identifier.random(), name: "kept", created: 1, imageReference: "alpine", imageID: "sha256:1", hostname: "a")
        var b = a
        b.id = Identifier.random()
        b.name = "refused"
        await #expect(throws: (any Error).self) {
            try await store.commit([.deleteIntent(intents[0].id), .saveContainer(a), .saveContainer(b)])
        }
        #expect(try await store.intents().count == 1)
        #expect(try await store.containers().isEmpty)
    }
}
