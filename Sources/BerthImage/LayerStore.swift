import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The extracted layers under `image/layers/`, shared by every image that lists them.
///
/// A layer appears atomically: it is unpacked into `tmp/`, then renamed into place; when two
/// extractions of the same diff race, the second one's copy is dropped. Layers in use by an
/// operation still in flight are pinned, so garbage collection (which runs under the same lock
/// as the rename) can never delete a layer an import or load is about to reference. All methods
/// block: call them from a thread Berth owns.
final class LayerStore: Sendable {
    enum Error: Swift.Error, CustomStringConvertible, Equatable, Sendable {
        /// The layer's content does not hash to the diff id its image config lists.
        case digestMismatch(expected: String, actual: String)

        var description: String {
            switch self {
            case .digestMismatch(let expected, let actual): "layer digest mismatch: expected \(expected), got \(actual)"
            }
        }
    }

    let layout: ImageStoreLayout
    /// Pin counts by diff id.
    private let pins = Mutex<[String: Int]>([:])

    init(layout: ImageStoreLayout) { self.layout = layout }

    /// The size of layer `diffID` if it is present, after pinning it; nil (and no pin) if not.
    func pinIfPresent(_ diffID: String) -> Int64? {
        pins.withLock { pins in
            guard let size = size(diffID) else { return nil }
            pins[diffID, default: 0] += 1
            return size
        }
    }

    /// Unpacks the tar at `source` and moves it into place, pinned. When `expected` is given,
    /// a layer whose digest differs is discarded and `Error.digestMismatch` thrown.
    func unpack(_ source: String, expected: String? = nil) throws -> LayerUnpacker.Result {
        let staging = try FileSystem.makeTemporaryDirectory(in: layout.tmpDirectory, prefix: "layer-")
        var committed = false
        defer { if !committed { try? FileSystem.removeTree(staging) } }
        try FileSystem.makeDirectories(staging + "/diff")
        let result = try LayerUnpacker(scratchDirectory: layout.tmpDirectory).unpack(source: source, into: staging + "/diff")
        if let expected, expected != result.diffID {
            throw Error.digestMismatch(expected: expected, actual: result.diffID)
        }
        try FileSystem.writeAtomically(staging + "/size", Array(String(result.size).utf8))
        try FileSystem.makeDirectories(layout.layersDirectory)
        let target = layout.layerDirectory(result.diffID)
        try pins.withLock { pins throws(FileSystem.Error) in
            if rename(staging, target) == 0 {
                committed = true
            } else if errno != EEXIST && errno != ENOTEMPTY {
                throw FileSystem.Error(call: "rename", path: target, errno: errno)
            }
            pins[result.diffID, default: 0] += 1
        }
        return result
    }

    /// Drops one pin from each of `diffIDs`.
    func unpin(_ diffIDs: [String]) {
        pins.withLock { pins in
            for id in diffIDs {
                guard let count = pins[id] else { continue }
                pins[id] = count > 1 ? count - 1 : nil
            }
        }
    }

    /// Deletes the layers among `candidates` that are neither pinned nor in `keep`; returns
    /// the diff ids it deleted.
    func collect(_ candidates: [String], keep: Set<String>) throws -> [String] {
        var doomed: [(String, String)] = []
        try pins.withLock { pins throws(FileSystem.Error) in
            for id in Set(candidates) where pins[id] == nil && !keep.contains(id) {
                let source = layout.layerDirectory(id)
                guard FileSystem.exists(source) else { continue }
                let grave = try FileSystem.makeTemporaryDirectory(in: layout.tmpDirectory, prefix: "gc-") + "/layer"
                guard rename(source, grave) == 0 else { throw FileSystem.Error(call: "rename", path: source, errno: errno) }
                doomed.append((id, grave))
            }
        }
        for (_, grave) in doomed {
            try FileSystem.removeTree(String(grave.dropLast("/layer".count)))
        }
        return doomed.map(\.0).sorted()
    }

    /// The recorded size of layer `diffID`, or nil when it is not (completely) present.
    func size(_ diffID: String) -> Int64? {
        guard let bytes = try? FileSystem.readFile(layout.layerDirectory(diffID) + "/size", limit: 64) else { return nil }
        return Int64(String(decoding: bytes, as: UTF8.self).trimmingWhitespace)
    }

    /// Every complete layer on disk with its size.
    func inventory() throws -> [String: Int64] {
        var result: [String: Int64] = [:]
        for name in try FileSystem.list(layout.layersDirectory) where ImageReference.isFullHex(name) {
            if let size = size("sha256:" + name) { result["sha256:" + name] = size }
        }
        return result
    }
}
