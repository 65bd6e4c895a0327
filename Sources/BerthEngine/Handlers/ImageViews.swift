import BerthAPI
import BerthCore
import BerthImage
import Foundation

/// The JSON dockerd answers for images, built from `BerthImage`'s values in Go's field order,
/// with the fields each API version has: `VirtualSize` before 1.44, `Container` and
/// `ContainerConfig` before 1.45, `<none>` placeholders for untagged images before 1.43, and
/// the container-only `Config` fields (`Hostname`, `Tty`, …) before 1.50.
enum ImageViews {
    /// dockerd's JSON message stream (pull, import, load): one compact object per line, each
    /// ending in `\r\n`, as Go's `streamformatter` writes them.
    static func stream(_ messages: [JSONValue]) -> APIResponse {
        var text = ""
        for m in messages { text += m.rendered() + "\r\n" }
        return APIResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array(text.utf8))
    }

    /// A failure inside a stream: `{"errorDetail":{"message":…},"error":…}`.
    static func streamError(_ e: BerthError) -> JSONValue {
        .obj(["errorDetail": .obj(["message": .string(e.message)]), "error": .string(e.message)])
    }

    /// The lines dockerd's `docker load` prints: a note for each tag that moved off another
    /// image, `Loaded image: name:tag` per tag, and `Loaded image ID: sha256:…` for every image
    /// when the last one had no tag. `previous` maps tags to the image they named before.
    static func loadLines(_ loaded: [LoadedImage], previous: [String: String]) -> [String] {
        var lines: [String] = []
        for image in loaded {
            for tag in image.repoTags {
                if let old = previous[tag], old != image.id {
                    lines.append("The image \(tag) already exists, renaming the old one with ID \(old) to empty string\n")
                }
                lines.append("Loaded image: \(tag)\n")
            }
        }
        if let last = loaded.last, last.repoTags.isEmpty {
            lines += loaded.map { "Loaded image ID: \($0.id)\n" }
        }
        return lines
    }

    /// One entry of `GET /images/json`; `tags` are the tags the filters kept.
    static func summary(_ image: Image, tags: [String], version: APIVersion) -> JSONValue {
        let none = tags.isEmpty && version < APIVersion(1, 43)
        var m: [JSONValue.Member] = [
            .init("Containers", .int(-1)),
            .init("Created", .int(created(image)?.seconds ?? 0)),
            .init("Id", .string(image.id)),
            .init("Labels", .stringMap(image.config.config?.labels)),
            .init("ParentId", .string("")),
            .init("RepoDigests", .array(none ? [.string("<none>@<none>")] : [])),
            .init("RepoTags", .array(none ? [.string("<none>:<none>")] : tags.map { .string($0) })),
            .init("SharedSize", .int(-1)),
            .init("Size", .int(image.size)),
        ]
        if version < APIVersion(1, 44) { m.append(.init("VirtualSize", .int(image.size))) }
        return .object(m)
    }

    /// `GET /images/{name}/json`.
    static func inspect(_ i: ImageInspect, version: APIVersion) -> JSONValue {
        var m: [JSONValue.Member] = [
            .init("Id", .string(i.id)),
            .init("RepoTags", .array(i.repoTags.map { .string($0) })),
            .init("RepoDigests", .array(i.repoDigests.map { .string($0) })),
            .init("Parent", .string(i.parent)),
            .init("Comment", .string(i.comment)),
            .init("Created", .string(i.created)),
        ]
        if version < APIVersion(1, 45) {
            m.append(.init("Container", .string("")))
            m.append(.init("ContainerConfig", runConfig(ImageRunConfig(), version: version)))
        }
        m += [
            .init("DockerVersion", .string(i.dockerVersion)),
            .init("Author", .string(i.author)),
            .init("Config", i.config.map { runConfig($0, version: version) } ?? .null),
            .init("Architecture", .string(i.architecture)),
        ]
        if let variant = i.variant, !variant.isEmpty { m.append(.init("Variant", .string(variant))) }
        m.append(.init("Os", .string(i.os)))
        if let osVersion = i.osVersion, !osVersion.isEmpty { m.append(.init("OsVersion", .string(osVersion))) }
        m.append(.init("Size", .int(i.size)))
        if version < APIVersion(1, 44) { m.append(.init("VirtualSize", .int(i.size))) }
        m += [
            .init("GraphDriver", .obj(["Data": .stringMap(i.graphDriver.data), "Name": .string(i.graphDriver.name)])),
            .init("RootFS", .obj(["Type": .string(i.rootFS.type), "Layers": .array(i.rootFS.layers.map { .string($0) })])),
            // Berth keeps no tag times; Go's zero time is what dockerd shows for "never".
            .init("Metadata", .obj(["LastTagTime": .string("0001-01-01T00:00:00Z")])),
        ]
        return .object(m)
    }

    /// Go's field order of `container.Config`, which image configs carry.
    private static let configOrder = [
        "Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "ExposedPorts", "Tty",
        "OpenStdin", "StdinOnce", "Env", "Cmd", "Healthcheck", "ArgsEscaped", "Image", "Volumes", "WorkingDir",
        "Entrypoint", "OnBuild", "Labels", "StopSignal", "StopTimeout", "Shell",
    ]
    private static let healthcheckOrder = ["Test", "Interval", "Timeout", "StartPeriod", "StartInterval", "Retries"]
    /// Fields that describe a container rather than an image; API 1.50 stopped sending them.
    private static let containerOnly: Set<String> = [
        "Hostname", "Domainname", "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin", "StdinOnce", "Image",
    ]

    /// An image's run config as JSON. `ImageRunConfig`'s own encoding decides which fields are
    /// written (Go's null-versus-omitted rules); this puts them in Go's order.
    static func runConfig(_ config: ImageRunConfig, version: APIVersion) -> JSONValue {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(config), let value = try? JSONParser.parse(Array(data)),
              let members = value.members
        else { return .null }
        let kept = members.filter { version < APIVersion(1, 50) || !containerOnly.contains($0.key) }.map { m in
            m.key == "Healthcheck" ? JSONValue.Member(m.key, ordered(m.value, healthcheckOrder)) : m
        }
        return ordered(.object(kept), configOrder)
    }

    /// `value`'s members in the order `keys` gives, unknown keys last in their current order.
    private static func ordered(_ value: JSONValue, _ keys: [String]) -> JSONValue {
        guard let members = value.members else { return value }
        let rank = Dictionary(keys.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        return .object(members.enumerated()
            .sorted { (rank[$0.element.key] ?? keys.count, $0.offset) < (rank[$1.element.key] ?? keys.count, $1.offset) }
            .map(\.element))
    }

    /// `GET /images/{name}/history`: newest step first; the newest carries the image id and tags,
    /// older ones `<missing>` (Berth images have no parent images). `layerSizes` are bottom first.
    static func history(_ image: Image, layerSizes: [Int64]) -> JSONValue {
        var items: [JSONValue] = []
        var layer = 0
        for step in image.config.history ?? [] {
            var size: Int64 = 0
            if step.emptyLayer != true {
                size = layer < layerSizes.count ? layerSizes[layer] : 0
                layer += 1
            }
            let created = step.created.flatMap(Timestamp.init(parsing:))?.seconds ?? 0
            items.insert(.obj([
                "Id": .string("<missing>"), "Created": .int(created), "CreatedBy": .string(step.createdBy ?? ""),
                "Tags": .null, "Size": .int(size), "Comment": .string(step.comment ?? ""),
            ]), at: 0)
        }
        if case .object(var newest)? = items.first {
            newest[0].value = .string(image.id)
            newest[3].value = image.repoTags.isEmpty ? .null : .array(image.repoTags.map { .string($0) })
            items[0] = .object(newest)
        }
        return .array(items)
    }

    static func deleteItem(_ item: ImageDeleteItem) -> JSONValue {
        switch item {
        case .untagged(let tag): .obj(["Untagged": .string(tag)])
        case .deleted(let id): .obj(["Deleted": .string(id)])
        }
    }

    /// When the image was made, from its config; nil when the config does not say.
    static func created(_ image: Image) -> Timestamp? {
        image.config.created.flatMap(Timestamp.init(parsing:))
    }

    /// The sizes of an image's layers, bottom first, read from the `size` file the store keeps
    /// beside each layer's `diff` directory (the inspect view's `GraphDriver` paths); 0 when
    /// one cannot be read.
    static func layerSizes(_ inspect: ImageInspect) async -> [Int64] {
        let data = inspect.graphDriver.data
        let dirs = (data["LowerDir"] ?? "").split(separator: ":").reversed().map(String.init) + (data["UpperDir"].map { [$0] } ?? [])
        let sizes = try? await NamespaceThread.run { () -> [Int64] in
            dirs.map { dir in
                let file = (dir as NSString).deletingLastPathComponent + "/size"
                let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
                return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
            }
        }
        return sizes ?? []
    }

    /// Layer chain ids, bottom first (how `docker rmi` names deleted layers): the first is the
    /// diff id, each next one the digest of `"<parent chain id> <diff id>"`.
    static func chainIDs(_ diffIDs: [String]) -> [String] {
        var chains: [String] = []
        for diff in diffIDs {
            chains.append(chains.last.map { "sha256:" + SHA256.hex(Array(($0 + " " + diff).utf8)) } ?? diff)
        }
        return chains
    }
}
