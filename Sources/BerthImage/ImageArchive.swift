#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An extracted `docker save` archive: the images it holds, from `manifest.json`
/// (`[{"Config", "RepoTags", "Layers"}]`, every docker version) or, failing that, from an OCI
/// layout's `index.json` (manifests, possibly behind a nested index, with blobs under
/// `blobs/sha256/`). Every path it yields is checked to stay inside the archive, symlinks
/// resolved. Blocking; runs on a thread Berth owns.
struct ImageArchive {
    /// One image to load.
    struct Entry: Equatable, Sendable {
        var configPath: String
        /// Layer tars, bottom first.
        var layerPaths: [String]
        /// Familiar references to tag it with.
        var repoTags: [String]
    }

    enum Error: Swift.Error, CustomStringConvertible, Equatable, Sendable {
        case noManifest
        case invalid(String)
        case unsafePath(String)

        var description: String {
            switch self {
            case .noManifest: "invalid archive: no manifest.json or OCI index.json found (is this a docker save tarball?)"
            case .invalid(let why): "invalid archive: \(why)"
            case .unsafePath(let path): "invalid archive: path \"\(path)\" points outside the archive"
            }
        }
    }

    let root: String

    func entries() throws -> [Entry] {
        if FileSystem.exists(root + "/manifest.json") { return try dockerEntries() }
        if FileSystem.exists(root + "/index.json") { return try ociEntries() }
        throw Error.noManifest
    }

    // MARK: - manifest.json

    private struct DockerManifest: Decodable {
        var config: String
        var repoTags: [String]?
        var layers: [String]

        private enum CodingKeys: String, CodingKey {
            case config = "Config", repoTags = "RepoTags", layers = "Layers"
        }
    }

    private func dockerEntries() throws -> [Entry] {
        let manifests = try decode([DockerManifest].self, "manifest.json")
        return try manifests.map { m in
            Entry(configPath: try path(m.config), layerPaths: try m.layers.map(path), repoTags: m.repoTags ?? [])
        }
    }

    // MARK: - OCI layout

    private struct Descriptor: Decodable {
        var mediaType: String?
        var digest: String
        var annotations: [String: String]?
        var platform: Platform?
    }

    private struct Platform: Decodable {
        var architecture: String?
        var os: String?
    }

    private struct Index: Decodable {
        var manifests: [Descriptor]
    }

    private struct Manifest: Decodable {
        var config: Descriptor
        var layers: [Descriptor]
    }

    private static let indexTypes: Set<String> = [
        "application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json",
    ]

    private func ociEntries() throws -> [Entry] {
        let index = try decode(Index.self, "index.json")
        return try index.manifests.map { descriptor in
            let manifest = try manifest(for: descriptor, depth: 0)
            return Entry(
                configPath: try blob(manifest.config.digest), layerPaths: try manifest.layers.map { try blob($0.digest) },
                repoTags: Self.tags(descriptor.annotations ?? [:]))
        }
    }

    /// The image manifest a descriptor leads to, choosing this machine's platform in an index.
    private func manifest(for descriptor: Descriptor, depth: Int) throws -> Manifest {
        guard Self.indexTypes.contains(descriptor.mediaType ?? "") else {
            return try decode(Manifest.self, try relative(blob(descriptor.digest)))
        }
        guard depth < 4 else { throw Error.invalid("image indexes nested too deeply") }
        let nested = try decode(Index.self, try relative(blob(descriptor.digest)))
        let linux = nested.manifests.filter { ($0.platform?.os ?? "linux") == "linux" }
        guard
            let chosen = linux.first(where: { $0.platform?.architecture == ImageConfig.hostArchitecture }) ?? linux.first
        else {
            throw Error.invalid("no linux image in index \(descriptor.digest)")
        }
        return try manifest(for: chosen, depth: depth + 1)
    }

    /// `io.containerd.image.name` (a full reference), else `org.opencontainers.image.ref.name`
    /// when it is a full reference rather than a bare tag.
    private static func tags(_ annotations: [String: String]) -> [String] {
        for key in ["io.containerd.image.name", "org.opencontainers.image.ref.name"] {
            guard let name = annotations[key], name.contains(":") || name.contains("/") else { continue }
            if let reference = try? ImageReference(parsing: name), reference.digest == nil {
                return [reference.withDefaultTag.familiarString]
            }
        }
        return []
    }

    // MARK: - Paths

    private func blob(_ digest: String) throws -> String {
        guard ImageStoreLayout.isDigest(digest) else { throw Error.invalid("bad digest \"\(digest)\"") }
        return try path("blobs/sha256/" + ImageStoreLayout.hex(digest))
    }

    private func relative(_ absolute: String) -> String { String(absolute.dropFirst(root.count + 1)) }

    /// `root/<name>`, refusing names that leave the archive (`..`, absolute, or via symlinks).
    private func path(_ name: String) throws -> String {
        let parts = name.split(separator: "/")
        guard !name.hasPrefix("/"), !parts.isEmpty, !parts.contains("..") else { throw Error.unsafePath(name) }
        let full = root + "/" + parts.joined(separator: "/")
        guard FileSystem.exists(full) else { throw Error.invalid("\(name): no such file in the archive") }
        guard FileSystem.isContained(full, in: root) else { throw Error.unsafePath(name) }
        return full
    }

    private func decode<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
        let bytes = try FileSystem.readFile(try path(name))
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw Error.invalid("\(name): \(error)")
        }
    }
}
