import BerthCore

/// One entry of `GET /images/json` (`docker images`), with dockerd 20.10's fields and
/// conventions: dangling images list `<none>:<none>` and `<none>@<none>`, counts Berth does
/// not compute are -1, and `ParentId` is empty (imported and loaded images have no parent).
public struct ImageSummary: Codable, Equatable, Sendable {
    public var containers: Int = -1
    /// Unix seconds.
    public var created: Int64
    /// `sha256:<hex>`.
    public var id: String
    public var labels: [String: String]?
    public var parentID: String = ""
    public var repoDigests: [String]
    public var repoTags: [String]
    public var sharedSize: Int64 = -1
    public var size: Int64
    public var virtualSize: Int64

    public init(image: Image) {
        id = image.id
        created = image.config.created.flatMap { Timestamp(parsing: $0)?.seconds } ?? 0
        labels = image.config.config?.labels
        repoTags = image.repoTags.isEmpty ? ["<none>:<none>"] : image.repoTags
        repoDigests = image.repoTags.isEmpty ? ["<none>@<none>"] : []
        size = image.size
        virtualSize = image.size
    }

    private enum CodingKeys: String, CodingKey {
        case containers = "Containers", created = "Created", id = "Id", labels = "Labels", parentID = "ParentId"
        case repoDigests = "RepoDigests", repoTags = "RepoTags", sharedSize = "SharedSize", size = "Size"
        case virtualSize = "VirtualSize"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(containers, forKey: .containers)
        try c.encode(created, forKey: .created)
        try c.encode(id, forKey: .id)
        try c.encode(labels, forKey: .labels)  // null when none, as dockerd writes
        try c.encode(parentID, forKey: .parentID)
        try c.encode(repoDigests, forKey: .repoDigests)
        try c.encode(repoTags, forKey: .repoTags)
        try c.encode(sharedSize, forKey: .sharedSize)
        try c.encode(size, forKey: .size)
        try c.encode(virtualSize, forKey: .virtualSize)
    }
}
