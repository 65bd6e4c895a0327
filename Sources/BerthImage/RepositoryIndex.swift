#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Which tag points at which image: the content of `repositories.json`, in dockerd's shape
/// (`{"Repositories": {"busybox": {"busybox:latest": "sha256:…"}}}`), keyed by familiar names.
struct RepositoryIndex: Codable, Equatable, Sendable {
    /// Familiar repository name → (familiar `name:tag` → `sha256:<hex>` image id).
    private(set) var repositories: [String: [String: String]] = [:]

    private enum CodingKeys: String, CodingKey {
        case repositories = "Repositories"
    }

    init() {}

    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        repositories = try c.decodeIfPresent([String: [String: String]].self, forKey: .repositories) ?? [:]
    }

    /// The image id (`sha256:<hex>`) tagged `reference` (which must carry a tag).
    func imageID(for reference: ImageReference) -> String? {
        repositories[reference.familiarName]?[reference.familiarString]
    }

    /// Points `reference` at `imageID`; returns the id it pointed at before, if another.
    @discardableResult
    mutating func set(_ reference: ImageReference, to id: String) -> String? {
        let previous = imageID(for: reference)
        repositories[reference.familiarName, default: [:]][reference.familiarString] = id
        return previous == id ? nil : previous
    }

    /// Removes tag `reference`; returns whether it existed.
    @discardableResult
    mutating func remove(_ reference: ImageReference) -> Bool {
        guard repositories[reference.familiarName]?.removeValue(forKey: reference.familiarString) != nil else { return false }
        if repositories[reference.familiarName]?.isEmpty == true { repositories[reference.familiarName] = nil }
        return true
    }

    /// The familiar `name:tag` references pointing at `imageID`, sorted.
    func tags(of imageID: String) -> [String] {
        repositories.values.flatMap { $0.filter { $0.value == imageID }.map(\.key) }.sorted()
    }

    /// Removes every tag whose image is not in `known`; returns the removed references.
    mutating func prune(keeping known: Set<String>) -> [String] {
        var removed: [String] = []
        for (repository, tags) in repositories {
            for (tag, id) in tags where !known.contains(id) {
                repositories[repository]?[tag] = nil
                removed.append(tag)
            }
            if repositories[repository]?.isEmpty == true { repositories[repository] = nil }
        }
        return removed.sorted()
    }

    /// The JSON bytes written to `repositories.json` (keys sorted, so equal indexes are equal files).
    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self))
    }

    /// Decodes `repositories.json`.
    static func decode(_ bytes: [UInt8]) throws -> RepositoryIndex {
        try JSONDecoder().decode(RepositoryIndex.self, from: Data(bytes))
    }
}
