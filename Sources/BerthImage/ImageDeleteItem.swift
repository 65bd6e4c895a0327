/// One line of `docker rmi` output (`DELETE /images/{name}` answers a list of these, as
/// `{"Untagged": "…"}` or `{"Deleted": "sha256:…"}`).
public enum ImageDeleteItem: Equatable, Sendable, Codable {
    /// A tag was removed (`busybox:latest`).
    case untagged(String)
    /// An image (`sha256:` id) or a layer (`sha256:` chain id) was deleted.
    case deleted(String)

    private enum CodingKeys: String, CodingKey {
        case untagged = "Untagged", deleted = "Deleted"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        if let tag = try c.decodeIfPresent(String.self, forKey: .untagged) {
            self = .untagged(tag)
        } else {
            self = .deleted(try c.decode(String.self, forKey: .deleted))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .untagged(let tag): try c.encode(tag, forKey: .untagged)
        case .deleted(let id): try c.encode(id, forKey: .deleted)
        }
    }
}
