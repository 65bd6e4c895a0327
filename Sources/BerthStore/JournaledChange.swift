import BerthCore

/// One multi-step change in progress, and Berth's one undo and journal mechanism.
///
/// `begin` writes the change's intent before any kernel step; `onUndo` stacks what undoes each
/// step as it is taken; `advance` records a milestone (one transaction) where a restart must
/// know it; `finish` commits the change's own records and deletes the intent in one
/// transaction; `rollback` runs the undo steps newest first and deletes the intent. A change
/// that is neither finished nor rolled back (the daemon died) leaves its intent for the
/// restart's reconciliation.
///
/// Not `Sendable`: it lives inside the actor whose method makes the change, and its methods
/// run on that actor (`isolation`), so the undo closures may touch the actor's state.
public final class JournaledChange {
    /// The intent as last written; nil once finished or rolled back.
    public private(set) var intent: IntentRecord?
    private let store: any JournalStore
    private var undos: [() async -> Void] = []

    private init(store: any JournalStore, intent: IntentRecord) {
        self.store = store
        self.intent = intent
    }

    /// Writes the intent and returns the change.
    public static func begin(
        _ operation: IntentRecord.Operation, subject: String, network: String = "", plan: [String: String] = [:],
        in store: any JournalStore, isolation: isolated (any Actor)? = #isolation
    ) async throws -> JournaledChange {
        let intent = IntentRecord(id: Identifier.random(), operation: operation, subject: subject, network: network,
                                  plan: plan, created: Timestamp.now().nanoseconds)
        do {
            try await store.commit([.saveIntent(intent)])
        } catch {
            throw BerthError.internalError("cannot record the \(operation.rawValue) of \(Identifier.short(subject)) in the state database: \(error)", cause: error)
        }
        return JournaledChange(store: store, intent: intent)
    }

    /// Stacks the undo of the step just taken.
    public func onUndo(_ undo: @escaping () async -> Void) {
        undos.append(undo)
    }

    /// Records that the change reached `phase`, merging `plan` into the intent's plan, in one
    /// transaction with `changes` (the step's own records).
    public func advance(
        _ phase: String, plan: [String: String] = [:], changes: [StoreChange] = [], isolation: isolated (any Actor)? = #isolation
    ) async throws {
        guard var updated = intent else { throw BerthError.internalError("a finished change cannot advance") }
        updated.phase = phase
        updated.plan.merge(plan) { _, new in new }
        try await store.commit(changes + [.saveIntent(updated)])
        intent = updated
    }

    /// Commits `changes` and the intent's deletion in one transaction. The undo steps are
    /// dropped: the change is done. If the commit fails, nothing was written and the caller
    /// rolls back.
    public func finish(_ changes: [StoreChange], isolation: isolated (any Actor)? = #isolation) async throws {
        var all = changes
        if let intent { all.append(.deleteIntent(intent.id)) }
        if !all.isEmpty { try await store.commit(all) }
        undos.removeAll()
        intent = nil
    }

    /// Undoes every step taken, newest first, then deletes the intent. Undo steps are best
    /// effort (each logs its own failure); if the deletion fails, the restart rolls back again,
    /// which finds nothing left to undo.
    public func rollback(isolation: isolated (any Actor)? = #isolation) async {
        while let undo = undos.popLast() { await undo() }
        if let intent { try? await store.commit([.deleteIntent(intent.id)]) }
        intent = nil
    }
}
