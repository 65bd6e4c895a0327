/// Persistence of containers; `SQLiteStore` and `MemoryStore` implement it.
public protocol ContainerStore: JournalStore {
    /// Every container, oldest first.
    func containers() async throws -> [ContainerRecord]
    /// Inserts or replaces a container.
    func saveContainer(_ container: ContainerRecord) async throws
    /// Removes a container; removing a missing one is not an error.
    func deleteContainer(id: String) async throws
}
