import BerthCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Berth's image store: what `docker import`, `load`, `images`, `tag`, `rmi` and
/// `image inspect` work on, kept under `<data-root>/image/` (see `ImageStoreLayout`).
///
/// State lives in memory (tags, configs, layer sizes) and on disk; every file write and every
/// extraction runs on a thread Berth owns, never on the cooperative pool. Errors are
/// `BerthError`s in dockerd's wording (`No such image: foo:latest`, 404).
public actor ImageStore {
    let layout: ImageStoreLayout
    let layers: LayerStore
    let usage: any ImageUsage
    private let indexWriter: IndexWriter
    var index: RepositoryIndex
    /// Image configs by id (`sha256:<hex>`).
    var configs: [String: ImageConfig]
    /// Sizes of the layers on disk, by diff id.
    var layerSizes: [String: Int64]
    private var indexVersion: UInt64 = 0

    private init(layout: ImageStoreLayout, usage: any ImageUsage, state: PersistedState) {
        self.layout = layout
        self.layers = LayerStore(layout: layout)
        self.usage = usage
        self.indexWriter = IndexWriter(path: layout.indexPath)
        self.index = state.index
        self.configs = state.configs
        self.layerSizes = state.layerSizes
    }

    /// Opens (creating if needed) the store under `<dataRoot>/image/`: empties its scratch
    /// directory, drops tags whose image is gone and layers no image or container uses.
    ///
    /// `dataRoot` must be absolute and free of `:` and `,` (overlayfs option separators).
    public static func open(dataRoot: String, usage: any ImageUsage = NoImageUsage()) async throws(BerthError) -> ImageStore {
        guard dataRoot.hasPrefix("/"), !dataRoot.contains(":"), !dataRoot.contains(",") else {
            throw .invalidArgument("data root \"\(dataRoot)\" must be an absolute path without ':' or ','")
        }
        let layout = ImageStoreLayout(dataRoot: dataRoot)
        let state = try await blocking { try PersistedState.read(layout) }
        let store = ImageStore(layout: layout, usage: usage, state: state)
        try await store.settle(indexChanged: state.indexPruned)
        return store
    }

    private func settle(indexChanged: Bool) async throws(BerthError) {
        if indexChanged { try await persistIndex() }
        _ = try await collectLayers()
    }

    // MARK: - Queries

    /// Every image, newest first, as `GET /images/json` lists them.
    public func list() -> [ImageSummary] {
        configs.keys.compactMap { try? image(id: $0) }.map(ImageSummary.init(image:))
            .sorted { ($0.created, $0.id) > ($1.created, $1.id) }
    }

    /// The image `reference` names: a tag (`alpine` = `alpine:latest`), an id, or an id prefix.
    public func image(_ reference: String) throws(BerthError) -> Image {
        try image(id: resolve(reference))
    }

    /// `docker image inspect` for `reference`.
    public func inspect(_ reference: String) throws(BerthError) -> ImageInspect {
        ImageInspect(image: try image(reference), layout: layout)
    }

    /// Tags the image `source` names as `target` (`:latest` when no tag is given), moving the
    /// tag if it pointed at another image.
    public func tag(_ source: String, as target: String) async throws(BerthError) {
        let id = try resolve(source)
        let reference = try Self.parseTarget(target)
        index.set(reference, to: id)
        try await persistIndex()
    }

    /// The image with id `id` (`sha256:<hex>`).
    func image(id: String) throws(BerthError) -> Image {
        guard let config = configs[id] else { throw .notFound("No such image: \(id)") }
        let size = config.rootfs.diffIDs.reduce(Int64(0)) { $0 + (layerSizes[$1] ?? 0) }
        return Image(id: id, config: config, repoTags: index.tags(of: id), size: size)
    }

    /// Resolves what a user typed to an image id, in dockerd's order: an exact id, then a tag,
    /// then a unique id prefix (with or without `sha256:`).
    func resolve(_ text: String) throws(BerthError) -> String {
        let lookup: ImageReference.Lookup
        do {
            lookup = try ImageReference.lookup(text)
        } catch {
            throw .invalidArgument(error.description)
        }
        switch lookup {
        case .id(let hex):
            let id = "sha256:" + hex
            guard configs[id] != nil else { throw .notFound("No such image: \(id)") }
            return id
        case .named(let reference):
            let tagged = reference.withDefaultTag
            if tagged.digest == nil, let id = index.imageID(for: tagged), configs[id] != nil { return id }
            let prefix = text.hasPrefix("sha256:") ? String(text.dropFirst(7)) : text
            if Identifier.isHexPrefix(prefix) {
                let matches = configs.keys.filter { $0.dropFirst(7).hasPrefix(prefix) }
                if matches.count == 1, let id = matches.first { return id }
            }
            throw .notFound("No such image: \(tagged.familiarString)")
        }
    }

    /// Parses a reference to create (`tag`, `import`, `load`): tagged, never a digest.
    static func parseTarget(_ text: String) throws(BerthError) -> ImageReference {
        let reference: ImageReference
        do {
            reference = try ImageReference(parsing: text)
        } catch {
            throw .invalidArgument(error.description)
        }
        guard reference.digest == nil else { throw .invalidArgument("refusing to create a tag with a digest reference") }
        return reference.withDefaultTag
    }

    // MARK: - Persistence

    /// Writes `repositories.json` from the current index. Writes may finish out of order on
    /// their threads; the writer drops any snapshot older than the last one written.
    func persistIndex() async throws(BerthError) {
        indexVersion += 1
        let snapshot = index
        let version = indexVersion
        let writer = indexWriter
        try await Self.blocking { try writer.write(snapshot, version: version) }
    }

    /// Deletes layers that no image and no container root filesystem uses; returns them.
    func collectLayers(alsoKeeping extra: Set<String> = []) async throws(BerthError) -> [String] {
        let keep = Set(configs.values.flatMap(\.rootfs.diffIDs)).union(extra)
        let candidates = Array(layerSizes.keys)
        let layers = self.layers
        let layout = self.layout
        let removed = try await Self.blocking {
            try layers.collect(candidates, keep: keep.union(RootfsManager.layersInUse(layout)))
        }
        for id in removed { layerSizes[id] = nil }
        return removed
    }

    /// Runs blocking work on a thread Berth owns; any failure becomes a `BerthError`.
    static func blocking<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws(BerthError) -> R {
        do {
            return try await NamespaceThread.run { try body() }
        } catch let error as BerthError {
            throw error
        } catch {
            throw .internalError(String(describing: error), cause: error)
        }
    }

    /// Encodes a config Berth writes itself (import): sorted keys, so the id is reproducible.
    static func encode(_ config: ImageConfig) throws(BerthError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(config))
        } catch {
            throw .internalError("encoding image config: \(error)", cause: error)
        }
    }
}
