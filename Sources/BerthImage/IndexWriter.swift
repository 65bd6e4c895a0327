import Synchronization

/// Writes `repositories.json` atomically, in order: a snapshot older than the last one written
/// is dropped, so concurrent tag changes can never leave an older index on disk.
final class IndexWriter: Sendable {
    let path: String
    private let lastWritten = Mutex<UInt64>(0)

    init(path: String) { self.path = path }

    /// Blocking; call from a thread Berth owns.
    func write(_ index: RepositoryIndex, version: UInt64) throws {
        try lastWritten.withLock { last in
            guard version > last else { return }
            try FileSystem.writeAtomically(path, try index.encoded())
            last = version
        }
    }
}
