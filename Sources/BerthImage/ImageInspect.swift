/// `GET /images/{name}/json` (`docker image inspect`), with dockerd's field names.
public struct ImageInspect: Codable, Equatable, Sendable {
    /// `sha256:<hex>`.
    public var id: String
    public var repoTags: [String]
    public var repoDigests: [String] = []
    public var parent: String = ""
    public var comment: String
    /// RFC 3339 with nanoseconds, as the config records it.
    public var created: String
    public var dockerVersion: String
    public var author: String
    public var config: ImageRunConfig?
    public var architecture: String
    public var variant: String?
    public var os: String
    public var osVersion: String?
    public var size: Int64
    public var virtualSize: Int64
    public var graphDriver: GraphDriver
    public var rootFS: RootFS

    /// Where the layers live: overlay2's naming, since tools look for it.
    public struct GraphDriver: Codable, Equatable, Sendable {
        public var name: String
        public var data: [String: String]

        private enum CodingKeys: String, CodingKey {
            case name = "Name", data = "Data"
        }
    }

    /// The layer diff ids, bottom first.
    public struct RootFS: Codable, Equatable, Sendable {
        public var type: String
        public var layers: [String]

        private enum CodingKeys: String, CodingKey {
            case type = "Type", layers = "Layers"
        }
    }

    /// The view of `image`, whose layers are under `layout`.
    init(image: Image, layout: ImageStoreLayout) {
        let c = image.config
        id = image.id
        repoTags = image.repoTags
        comment = c.comment ?? ""
        created = c.created ?? "0001-01-01T00:00:00Z"
        dockerVersion = c.dockerVersion ?? ""
        author = c.author ?? ""
        config = c.config
        architecture = c.architecture
        variant = c.variant
        os = c.os
        osVersion = c.osVersion
        size = image.size
        virtualSize = image.size
        let diffs = image.layers.reversed().map(layout.layerDiff)
        var data: [String: String] = [:]
        if let top = diffs.first { data["UpperDir"] = top }
        if diffs.count > 1 { data["LowerDir"] = diffs.dropFirst().joined(separator: ":") }
        graphDriver = GraphDriver(name: "overlay2", data: data)
        rootFS = RootFS(type: c.rootfs.type, layers: c.rootfs.diffIDs)
    }

    private enum CodingKeys: String, CodingKey {
        case id = "Id", repoTags = "RepoTags", repoDigests = "RepoDigests", parent = "Parent", comment = "Comment"
        case created = "Created", dockerVersion = "DockerVersion", author = "Author", config = "Config"
        case architecture = "Architecture", variant = "Variant", os = "Os", osVersion = "OsVersion", size = "Size"
        case virtualSize = "VirtualSize", graphDriver = "GraphDriver", rootFS = "RootFS"
    }
}
