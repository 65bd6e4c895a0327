#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What `ImageStore.open` reads from disk: the tag index, every image config whose bytes still
/// hash to its name, and the complete layers. Blocking; runs on a thread Berth owns.
struct PersistedState: Sendable {
    var index: RepositoryIndex
    var configs: [String: ImageConfig]
    var layerSizes: [String: Int64]
    /// Whether tags of vanished images were dropped (the index file needs rewriting).
    var indexPruned: Bool

    static func read(_ layout: ImageStoreLayout) throws -> PersistedState {
        for dir in [layout.imageRoot, layout.configsDirectory, layout.layersDirectory, layout.tmpDirectory] {
            try FileSystem.makeDirectories(dir)
        }
        // Leftovers of extractions and loads a crash interrupted.
        for name in try FileSystem.list(layout.tmpDirectory) {
            try FileSystem.removeTree(layout.tmpDirectory + "/" + name)
        }
        var index = RepositoryIndex()
        if FileSystem.exists(layout.indexPath) {
            index = try RepositoryIndex.decode(try FileSystem.readFile(layout.indexPath))
        }
        let layerSizes = try LayerStore(layout: layout).inventory()
        var configs: [String: ImageConfig] = [:]
        for name in try FileSystem.list(layout.configsDirectory) where name.hasSuffix(".json") {
            let hex = String(name.dropLast(5))
            guard ImageReference.isFullHex(hex) else { continue }
            let bytes = try FileSystem.readFile(layout.configPath(hex))
            // A config that no longer hashes to its name, or lost a layer, is not an image.
            guard SHA256.hex(bytes) == hex, let config = try? JSONDecoder().decode(ImageConfig.self, from: Data(bytes)),
                config.rootfs.diffIDs.allSatisfy({ layerSizes[$0] != nil })
            else { continue }
            configs["sha256:" + hex] = config
        }
        let pruned = index.prune(keeping: Set(configs.keys))
        return PersistedState(index: index, configs: configs, layerSizes: layerSizes, indexPruned: !pruned.isEmpty)
    }
}
