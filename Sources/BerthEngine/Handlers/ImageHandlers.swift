import BerthAPI
import BerthCore
import BerthImage
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `/images` endpoints over the `ImageStore`: import (`POST /images/create?fromSrc=-`), load,
/// list, inspect, history, tag, remove and prune, with dockerd's shapes and status codes.
///
/// Berth reaches no registry: pull, push and search fail with a message that says so and points
/// at `docker load` / `docker import`; `docker save` is not implemented (501).
struct ImageHandlers: Sendable {
    let store: ImageStore
    /// Where `POST /images/load` spools archives before unpacking them; nil means `$TMPDIR`,
    /// else `/tmp` (dockerd spools to Go's `os.TempDir()`, which it points at `<data-root>/tmp`).
    var scratchDirectory: String? = nil

    func register(_ r: inout Router) {
        // Fixed paths first: `{name...}` would otherwise take `json`, `load`, `create`, ….
        r.add(["GET"], "/images/json") { req in try await list(req) }
        r.add(["GET"], "/images/search") { req in throw Self.noRegistry("search for \"\(req.query("term") ?? "")\"") }
        r.add(["GET"], "/images/get") { _ in throw Self.noSave }
        r.add(["POST"], "/images/create") { req in try await create(req) }
        r.add(["POST"], "/images/load") { req in await load(req) }
        r.add(["POST"], "/images/prune") { req in try await prune(req) }
        r.add(["GET"], "/images/{name...}/json") { req in
            .json(ImageViews.inspect(try await store.inspect(req.params["name"] ?? ""), version: req.version))
        }
        r.add(["GET"], "/images/{name...}/history") { req in try await history(req) }
        r.add(["GET"], "/images/{name...}/get") { _ in throw Self.noSave }
        r.add(["POST"], "/images/{name...}/tag") { req in try await tag(req) }
        r.add(["POST"], "/images/{name...}/push") { req in try await push(req) }
        r.add(["DELETE"], "/images/{name...}") { req in try await remove(req) }
    }

    // MARK: - Import and load

    /// `POST /images/create`: `fromSrc=-` imports the body (`docker import`); `fromImage` is a pull.
    private func create(_ req: APIRequest) async throws -> APIResponse {
        if let image = req.query("fromImage"), !image.isEmpty {
            throw try Self.pullError(image, tag: req.query("tag") ?? "")
        }
        let target = try Self.repoTag(req.query("repo") ?? "", req.query("tag") ?? "")
        let src = req.query("fromSrc") ?? ""
        guard src == "-" else {
            throw BerthError(
                .notImplemented,
                "importing from \"\(src)\" is not supported: Berth downloads nothing; send the tarball as the request body "
                    + "with fromSrc=- (docker import file.tar)")
        }
        let message = req.query("message").flatMap { $0.isEmpty ? nil : $0 } ?? "Imported from -"
        let body = req.body
        let chunks = AsyncThrowingStream<[UInt8], any Error> { c in
            c.yield(body)
            c.finish()
        }
        let image = try await store.importRootfs(
            chunks: chunks, reference: target?.description, changes: req.query["changes"] ?? [], message: message)
        return ImageViews.stream([.obj(["status": .string(image.id)])])
    }

    /// `POST /images/load`. dockerd answers 200 and reports a failure inside the stream (the
    /// docker CLI prints it and exits 1), so this never throws.
    private func load(_ req: APIRequest) async -> APIResponse {
        do {
            var previous: [String: String] = [:]
            for summary in await store.list() {
                for tag in summary.repoTags { previous[tag] = summary.id }
            }
            let path = try await spool(req.body)
            let loaded: [LoadedImage]
            do {
                loaded = try await store.load(tarPath: path)
            } catch {
                await Self.discard(path)
                throw error
            }
            await Self.discard(path)
            return ImageViews.stream(ImageViews.loadLines(loaded, previous: previous).map { .obj(["stream": .string($0)]) })
        } catch {
            return ImageViews.stream([ImageViews.streamError(BerthError.wrap(error))])
        }
    }

    /// Writes a request body to a new file in the scratch directory, on a thread Berth owns.
    private func spool(_ body: [UInt8]) async throws -> String {
        let tmp = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let path = (scratchDirectory ?? tmp) + "/berth-load-" + Identifier.random().prefix(16) + ".tar"
        try await NamespaceThread.run {
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw BerthError.internalError("cannot create \(path): \(Self.errnoText())") }
            defer { close(fd) }
            var offset = 0
            while offset < body.count {
                let n = body.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, body.count - offset) }
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else {
                    let error = BerthError.internalError("cannot write \(path): \(Self.errnoText())")
                    unlink(path)
                    throw error
                }
                offset += n
            }
        }
        return path
    }

    private static func discard(_ path: String) async {
        _ = try? await NamespaceThread.run { unlink(path) }
    }

    private static func errnoText() -> String { String(cString: strerror(errno)) }

    // MARK: - List, inspect, history

    /// `GET /images/json`, newest first; `all` changes nothing (Berth images have no parents).
    private func list(_ req: APIRequest) async throws -> APIResponse {
        let filter = try await ImageFilter(try req.filters(), accepted: ImageFilter.listKeys) { name in
            ImageViews.created(try await store.image(name))
        }
        var items: [JSONValue] = []
        for summary in await store.list() {
            // An image removed since `list()` is simply left out.
            guard let image = try? await store.image(summary.id),
                  filter.admits(created: ImageViews.created(image), labels: image.config.config?.labels)
            else { continue }
            let tags = try filter.matchingTags(image.repoTags)
            if tags.isEmpty {
                if filter.dangling == false || filter.references != nil { continue }
            } else if filter.dangling == true {
                continue
            }
            items.append(ImageViews.summary(image, tags: tags, version: req.version))
        }
        return .json(.array(items))
    }

    /// `GET /images/{name}/history`: one entry per history step, newest first.
    private func history(_ req: APIRequest) async throws -> APIResponse {
        let image = try await store.image(req.params["name"] ?? "")
        let inspect = try await store.inspect(image.id)
        let sizes = await ImageViews.layerSizes(inspect)
        return .json(ImageViews.history(image, layerSizes: sizes))
    }

    // MARK: - Tag, remove, prune

    /// `POST /images/{name}/tag?repo=&tag=`: 201 with no body.
    private func tag(_ req: APIRequest) async throws -> APIResponse {
        guard let target = try Self.repoTag(req.query("repo") ?? "", req.query("tag") ?? "") else {
            throw BerthError.invalidArgument("repository name must have at least one component")
        }
        if target.familiarName == "sha256" {
            throw BerthError.invalidArgument("refusing to create an ambiguous tag using digest algorithm as name")
        }
        let name = req.params["name"] ?? ""
        // dockerd reports any failure to find the source, a malformed name included, as 404.
        do {
            _ = try await store.image(name)
        } catch {
            throw BerthError.notFound(error.message)
        }
        try await store.tag(name, as: target.description)
        return APIResponse(status: 201)
    }

    /// `DELETE /images/{name}?force=`: the `Untagged` / `Deleted` records.
    private func remove(_ req: APIRequest) async throws -> APIResponse {
        let name = req.params["name"] ?? ""
        guard !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw BerthError.invalidArgument("image name cannot be blank")
        }
        let items = try await store.remove(name, force: req.boolQuery("force"))
        return .json(.array(items.map(ImageViews.deleteItem)))
    }

    /// `POST /images/prune`: dangling images (all unused ones with `dangling=false`); images a
    /// container still uses are skipped, as dockerd skips every conflict.
    private func prune(_ req: APIRequest) async throws -> APIResponse {
        var filter = try await ImageFilter(try req.filters(), accepted: ImageFilter.pruneKeys) { _ in nil }
        let danglingOnly = filter.dangling ?? true
        filter.dangling = nil
        var deleted: [ImageDeleteItem] = []
        var reclaimed: Int64 = 0
        for summary in await store.list() {
            guard let image = try? await store.image(summary.id),
                  filter.admits(created: ImageViews.created(image), labels: image.config.config?.labels),
                  image.repoTags.isEmpty || !danglingOnly,
                  let inspect = try? await store.inspect(image.id)
            else { continue }
            let sizes = await ImageViews.layerSizes(inspect)
            var records: [ImageDeleteItem] = []
            for name in image.repoTags.isEmpty ? [image.id] : image.repoTags {
                do {
                    records += try await store.remove(name)
                } catch {
                    guard error.code == .conflict || error.code == .notFound else { throw error }
                }
            }
            // Layers are reported by chain id; the bottom layer's chain id is its diff id.
            let chains = ImageViews.chainIDs(image.layers)
            for case .deleted(let id) in records {
                if let i = chains.firstIndex(of: id), i < sizes.count { reclaimed += sizes[i] }
            }
            deleted += records
        }
        return .json(.obj([
            "ImagesDeleted": deleted.isEmpty ? .null : .array(deleted.map(ImageViews.deleteItem)),
            "SpaceReclaimed": .int(reclaimed),
        ]))
    }

    // MARK: - Registry operations Berth does not have

    /// `POST /images/{name}/push`: the image must exist (dockerd's 404 wording); then no registry.
    private func push(_ req: APIRequest) async throws -> APIResponse {
        let name = req.params["name"] ?? ""
        let tag = req.query("tag") ?? ""
        let reference = tag.isEmpty ? name : name + ":" + tag
        do {
            _ = try await store.image(reference)
        } catch {
            throw BerthError.notFound("An image does not exist locally with the tag: \(name)")
        }
        throw Self.noRegistry("push \(reference)")
    }

    /// What a pull gets: 400 for a malformed reference, 403 for `scratch`, else a 500 saying no
    /// registry is reachable (dockerd's status when its registry cannot be reached).
    static func pullError(_ image: String, tag: String) throws(BerthError) -> BerthError {
        // `docker pull -a` may send a trailing ':'.
        let name = image.hasSuffix(":") ? String(image.dropLast()) : image
        var text = name
        if !tag.isEmpty {
            let bare: ImageReference
            do { bare = try ImageReference(parsing: name) } catch { throw .invalidArgument(error.description) }
            text = bare.name + (tag.contains(":") ? "@" : ":") + tag
        }
        let reference: ImageReference
        do { reference = try ImageReference(parsing: text) } catch { throw .invalidArgument(error.description) }
        if reference.familiarName == "scratch" { throw .forbidden("'scratch' is a reserved name") }
        return noRegistry("pull \(reference.withDefaultTag.familiarString)")
    }

    static func noRegistry(_ what: String) -> BerthError {
        .internalError(
            "cannot \(what): no registry is reachable (Berth does not talk to registries); "
                + "add images with \"docker load\" (a docker save tarball) or \"docker import\" (a root filesystem tarball)")
    }

    static let noSave = BerthError(
        .notImplemented, "exporting images (docker save) is not implemented by Berth")

    /// dockerd's `RepoTagReference`: `repo` (which may carry a tag) with `tag` replacing its tag,
    /// `latest` when neither has one; nil when `repo` is empty; never a digest.
    static func repoTag(_ repo: String, _ tag: String) throws(BerthError) -> ImageReference? {
        guard !repo.isEmpty else { return nil }
        var reference: ImageReference
        do { reference = try ImageReference(parsing: repo) } catch { throw .invalidArgument(error.description) }
        guard reference.digest == nil else { throw .invalidArgument("cannot import digest reference") }
        if !tag.isEmpty {
            let checked = try? ImageReference(parsing: "x:" + tag)
            guard checked?.tag == tag, checked?.digest == nil else { throw .invalidArgument("invalid tag format") }
            reference.tag = tag
        }
        return reference.withDefaultTag
    }
}
