/// One image `docker load` brought in.
public struct LoadedImage: Equatable, Sendable {
    /// `sha256:<hex>`.
    public var id: String
    /// The familiar references the archive tagged it with (possibly none).
    public var repoTags: [String]

    public init(id: String, repoTags: [String]) {
        self.id = id
        self.repoTags = repoTags
    }

    /// The lines the docker CLI prints: `Loaded image: busybox:latest` per tag, or
    /// `Loaded image ID: sha256:…` for an untagged image.
    public var messages: [String] {
        repoTags.isEmpty ? ["Loaded image ID: \(id)"] : repoTags.map { "Loaded image: \($0)" }
    }
}
