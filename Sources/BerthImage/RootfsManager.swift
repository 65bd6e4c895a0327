import BerthCore

#if canImport(Glibc)
    import Glibc
#endif

/// Container root filesystems: an overlayfs per container whose lower directories are the
/// image's extracted layers (top first) and whose upper and work directories belong to the
/// container, so a container's writes never touch a layer, even for one-layer images.
///
///     <data-root>/containers/<id>/rootfs            the mount (what runc gets as root.path)
///     <data-root>/containers/<id>/overlay/upper     the container's changes
///     <data-root>/containers/<id>/overlay/work      overlayfs scratch
///     <data-root>/containers/<id>/overlay/layers    the diff ids it stacks, one per line: the
///                                                   image store keeps these layers while it exists
///
/// Mounts are made with mount(2) on a thread Berth owns inside `namespace` (see
/// `MountNamespace`). `create`, `prepare` and `release` are idempotent.
public final class RootfsManager: Sendable {
    /// Why a root filesystem could not be set up or taken down.
    public enum Error: Swift.Error, CustomStringConvertible, Equatable, Sendable {
        case invalidContainerID(String)
        /// The image lists a layer that is not on disk (a damaged store).
        case missingLayer(String)
        /// The overlay options exceed a page (too many layers for mount(2)'s data argument).
        case tooManyLayers(count: Int)
        case mount(path: String, errno: Int32)
        case unmount(path: String, errno: Int32)

        public var description: String {
            switch self {
            case .invalidContainerID(let id): "invalid container id \"\(id)\""
            case .missingLayer(let diff): "layer \(diff) is missing from the image store; load or import the image again"
            case .tooManyLayers(let n): "cannot mount a root filesystem of \(n) layers: overlay options exceed one page"
            case .mount(let path, let e): "mount overlay on \(path): \(Self.text(e))"
            case .unmount(let path, let e): "unmount \(path): \(Self.text(e))"
            }
        }

        private static func text(_ e: Int32) -> String { strerror(e).map { String(cString: $0) } ?? "errno \(e)" }
    }

    let layout: ImageStoreLayout
    /// The namespace mounts are made in.
    public let namespace: MountNamespace

    public init(dataRoot: String, namespace: MountNamespace = .current) {
        self.layout = ImageStoreLayout(dataRoot: dataRoot)
        self.namespace = namespace
    }


    /// Makes the container's directories and records the layers it stacks, without mounting.
    /// Call it when the container is created: from then on the image store keeps those layers,
    /// even if the image is removed (as dockerd's read-write layer does). Returns the rootfs path.
    @discardableResult
    public func create(containerID: String, image: Image) async throws(BerthError) -> String {
        let dir = try validatedDirectory(containerID)
        let layout = self.layout
        let diffIDs = image.layers
        return try await run { try Self.record(dir, diffIDs, layout) }
    }

    /// Mounts the root filesystem of container `containerID` from `image`'s layers (recording
    /// them as `create` does) and returns its path; returns at once if it is already mounted.
    public func prepare(containerID: String, image: Image) async throws(BerthError) -> String {
        let dir = try validatedDirectory(containerID)
        let layout = self.layout
        let diffIDs = image.layers
        return try await run {
            _ = try Self.record(dir, diffIDs, layout)
            return try Self.mount(dir, layout)
        }
    }

    /// Mounts the root filesystem from the layers `create` or `prepare` recorded, for a
    /// container whose image may have been removed since; returns its path.
    public func prepare(containerID: String) async throws(BerthError) -> String {
        let dir = try validatedDirectory(containerID)
        let layout = self.layout
        return try await run { try Self.mount(dir, layout) }
    }

    private static func record(_ dir: String, _ diffIDs: [String], _ layout: ImageStoreLayout) throws -> String {
        for diff in diffIDs where !ImageStoreLayout.isDigest(diff) || !FileSystem.isDirectory(layout.layerDiff(diff)) {
            throw Error.missingLayer(diff)
        }
        for path in [dir + "/rootfs", dir + "/overlay/upper", dir + "/overlay/work"] { try FileSystem.makeDirectories(path) }
        let text = diffIDs.map { $0 + "\n" }.joined()
        let path = dir + "/overlay/layers"
        if (try? FileSystem.readFile(path, limit: 1 << 20)) != Array(text.utf8) {
            try FileSystem.writeAtomically(path, Array(text.utf8))
        }
        return dir + "/rootfs"
    }

    private static func mount(_ dir: String, _ layout: ImageStoreLayout) throws -> String {
        let rootfs = dir + "/rootfs", upper = dir + "/overlay/upper", work = dir + "/overlay/work"
        if isMountPoint(rootfs) { return rootfs }
        let recorded = try FileSystem.readFile(dir + "/overlay/layers", limit: 1 << 20)
        let diffIDs = String(decoding: recorded, as: UTF8.self).split(separator: "\n").map(String.init)
        for diff in diffIDs where !ImageStoreLayout.isDigest(diff) || !FileSystem.isDirectory(layout.layerDiff(diff)) {
            throw Error.missingLayer(diff)
        }
        // overlayfs wants the topmost lower directory first; an image without layers gets an
        // empty one, since overlayfs needs at least one.
        var lowerdir = diffIDs.reversed().map(layout.layerDiff).joined(separator: ":")
        if diffIDs.isEmpty {
            lowerdir = dir + "/overlay/empty"
            try FileSystem.makeDirectories(lowerdir)
        }
        let options = "lowerdir=\(lowerdir),upperdir=\(upper),workdir=\(work)"
        guard options.utf8.count < 4096 else { throw Error.tooManyLayers(count: diffIDs.count) }
        guard Glibc.mount("overlay", rootfs, "overlay", 0, options) == 0 else { throw Error.mount(path: rootfs, errno: errno) }
        return rootfs
    }

    /// Unmounts the container's root filesystem (a no-op when it is not mounted). Its upper
    /// directory stays: the container keeps its changes until `remove`.
    public func release(containerID: String) async throws(BerthError) {
        let dir = try validatedDirectory(containerID)
        try await run { try Self.unmountAll(dir + "/rootfs") }
    }

    /// Unmounts and deletes the container's root filesystem and its changes.
    public func remove(containerID: String) async throws(BerthError) {
        let dir = try validatedDirectory(containerID)
        try await run {
            try Self.unmountAll(dir + "/rootfs")
            try FileSystem.removeTree(dir + "/overlay")
            guard rmdir(dir + "/rootfs") == 0 || errno == ENOENT else {
                throw FileSystem.Error(call: "rmdir", path: dir + "/rootfs", errno: errno)
            }
        }
    }

    /// Whether the container's root filesystem is mounted (in `namespace`).
    public func isMounted(containerID: String) async throws(BerthError) -> Bool {
        let dir = try validatedDirectory(containerID)
        return try await run { Self.isMountPoint(dir + "/rootfs") }
    }

    /// The diff ids recorded by every container root filesystem under `layout`; blocking.
    static func layersInUse(_ layout: ImageStoreLayout) throws -> Set<String> {
        var used = Set<String>()
        for id in try FileSystem.list(layout.containersDirectory) {
            let path = layout.containersDirectory + "/" + id + "/overlay/layers"
            guard let bytes = try? FileSystem.readFile(path, limit: 1 << 20) else { continue }
            for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") { used.insert(String(line)) }
        }
        return used
    }

    // MARK: - Helpers

    private func containerDirectory(_ id: String) -> String { layout.containersDirectory + "/" + id }

    private func validatedDirectory(_ id: String) throws(BerthError) -> String {
        let ok = !id.isEmpty && id.utf8.count <= 128 && !id.hasPrefix(".")
            && id.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c == 0x2d || c == 0x5f || c == 0x2e
            }
        guard ok else { throw .invalidArgument(Error.invalidContainerID(id).description) }
        return containerDirectory(id)
    }

    private func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws(BerthError) -> R {
        do {
            return try await namespace.run(body)
        } catch {
            throw .internalError(String(describing: error), cause: error)
        }
    }

    /// Whether `path` is a mount point: overlayfs (like any other mount) has its own device.
    static func isMountPoint(_ path: String) -> Bool {
        var st = stat(), parent = stat()
        guard lstat(path, &st) == 0, lstat(path + "/..", &parent) == 0 else { return false }
        return st.st_dev != parent.st_dev
    }

    /// Detaches every mount stacked on `path`.
    private static func unmountAll(_ path: String) throws(Error) {
        for _ in 0..<16 where isMountPoint(path) {
            guard umount2(path, Int32(MNT_DETACH)) == 0 || errno == EINVAL || errno == ENOENT else {
                throw Error.unmount(path: path, errno: errno)
            }
        }
    }
}
