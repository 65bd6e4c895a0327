import BerthCore
import Foundation

/// The container layer's file I/O, run on a thread Berth owns so the Swift cooperative pool
/// never blocks on the disk (the files are small, but the rule holds for every blocking call).
enum ContainerFiles {
    /// Creates each directory with its parents.
    static func makeDirectories(_ paths: [String]) async throws {
        try await NamespaceThread.run {
            for p in paths { try FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true) }
        }
    }

    /// Writes each file in place (truncate, then write), keeping its inode: a running container
    /// sees its /etc files through bind mounts of these very inodes, which a rename would orphan.
    static func write(_ files: [(path: String, content: String)]) async throws {
        let items = files.map { ($0.path, $0.content) }
        try await NamespaceThread.run {
            for (path, content) in items { try content.write(toFile: path, atomically: false, encoding: .utf8) }
        }
    }

    /// A text file's contents, nil when it cannot be read.
    static func read(_ path: String) async -> String? {
        (try? await NamespaceThread.run { try? String(contentsOfFile: path, encoding: .utf8) }) ?? nil
    }

    /// The names in a directory; empty when it cannot be read.
    static func list(_ path: String) async -> [String] {
        (try? await NamespaceThread.run { (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] }) ?? []
    }

    /// Whether a file exists.
    static func exists(_ path: String) async -> Bool {
        (try? await NamespaceThread.run { FileManager.default.fileExists(atPath: path) }) ?? false
    }

    /// Removes a file or directory tree; a missing one is fine.
    static func remove(_ path: String) async {
        _ = try? await NamespaceThread.run { try? FileManager.default.removeItem(atPath: path) }
    }
}
