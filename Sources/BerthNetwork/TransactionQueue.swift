import Synchronization

/// Runs firewall transactions one at a time, in the order they were submitted.
///
/// `NetworkController` submits from inside the actor, synchronously, so the kernel sees its
/// changes in the order the controller decided them. A rebuild snapshot of the state and the
/// element changes made around it can then never be applied out of order (a rebuild flushing an
/// element added just before it, or a stale delete after it).
final class TransactionQueue: Sendable {
    private let tail = Mutex<Task<Void, Never>?>(nil)

    /// Queues `operation` after everything submitted before; the returned task gives its result.
    func submit<T: Sendable>(_ operation: @escaping @Sendable () async throws -> T) -> Task<T, any Error> {
        tail.withLock { last in
            let previous = last
            let task = Task {
                await previous?.value
                return try await operation()
            }
            last = Task { _ = await task.result }
            return task
        }
    }
}
