/// An image in the store: its id, config and tags. What `RootfsManager.prepare` and the
/// container layer need; `ImageInspect` and `ImageSummary` are the API views of it.
public struct Image: Equatable, Sendable {
    /// `sha256:<64 hex>`, the digest of the config JSON.
    public var id: String
    public var config: ImageConfig
    /// Familiar `name:tag` references, sorted; empty for a dangling image.
    public var repoTags: [String]
    /// Sum of the layer sizes in bytes.
    public var size: Int64

    public init(id: String, config: ImageConfig, repoTags: [String], size: Int64) {
        self.id = id
        self.config = config
        self.repoTags = repoTags
        self.size = size
    }

    /// Layer diff ids (`sha256:<hex>`), bottom layer first.
    public var layers: [String] { config.rootfs.diffIDs }

    /// The default run configuration (an empty one when the image has none).
    public var runConfig: ImageRunConfig { config.config ?? ImageRunConfig() }
}
