import BerthCore

#if canImport(Glibc)
    import Glibc
#endif

extension ImageStore {
    /// `docker import`: makes a one-layer image of the root filesystem tarball at `tarPath`
    /// (plain or gzip/bzip2/xz/zstd-compressed), with `changes` (`CMD ["sh"]`, `ENV A=b`,
    /// `EXPOSE 80`, …) applied to an empty run config, and tags it `reference` if given.
    ///
    /// `message` becomes the image's comment; dockerd's default is `Imported from -`.
    public func importRootfs(
        tarPath: String, reference: String? = nil, changes: [String] = [], message: String? = nil
    ) async throws(BerthError) -> Image {
        // Validate everything the user typed before touching the disk.
        let target = try reference.map { (text) throws(BerthError) in try Self.parseTarget(text) }
        let runConfig: ImageRunConfig
        do {
            runConfig = try ImageChanges.apply(changes, to: ImageRunConfig())
        } catch {
            throw .invalidArgument(error.description)
        }

        let layers = self.layers
        let layer = try await Self.blocking { try layers.unpack(tarPath) }
        let created = Timestamp.now().rfc3339Nano
        let comment = (message?.isEmpty ?? true) ? "Imported from -" : message ?? ""
        let config = ImageConfig(
            architecture: ImageConfig.hostArchitecture, os: "linux", created: created, comment: comment,
            config: runConfig, rootfs: .init(diffIDs: [layer.diffID]),
            history: [.init(created: created, comment: comment)])
        do {
            let image = try await register(config: config, bytes: try Self.encode(config), layerSizes: [layer.diffID: layer.size])
            layers.unpin([layer.diffID])
            if let target {
                index.set(target, to: image.id)
                try await persistIndex()
            }
            return try self.image(id: image.id)
        } catch {
            layers.unpin([layer.diffID])
            throw error
        }
    }

    /// `docker import -` from a request body: spools `chunks` to a scratch file, then imports it.
    public func importRootfs(
        chunks: some AsyncSequence<[UInt8], any Error>, reference: String? = nil, changes: [String] = [],
        message: String? = nil
    ) async throws(BerthError) -> Image {
        let layout = self.layout
        let path = layout.tmpDirectory + "/import-" + Identifier.random()
        let fd = try await Self.blocking { () throws -> Int32 in
            let fd = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else { throw FileSystem.Error(call: "open", path: path, errno: errno) }
            return fd
        }
        var closed = false
        do {
            // Batch small HTTP chunks so each hop to a blocking thread writes megabytes.
            var batch: [UInt8] = []
            for try await chunk in chunks {
                batch += chunk
                if batch.count >= 4 << 20 {
                    let bytes = batch
                    batch.removeAll(keepingCapacity: true)
                    try await Self.blocking { try FileSystem.writeAll(fd, bytes, path: path) }
                }
            }
            let rest = batch
            try await Self.blocking {
                defer { close(fd) }
                try FileSystem.writeAll(fd, rest, path: path)
            }
            closed = true
            let image = try await importRootfs(tarPath: path, reference: reference, changes: changes, message: message)
            _ = try await Self.blocking { unlink(path) }
            return image
        } catch {
            let wasClosed = closed
            _ = try? await Self.blocking {
                if !wasClosed { close(fd) }
                unlink(path)
            }
            throw error as? BerthError ?? .internalError("reading import body: \(error)", cause: error)
        }
    }

    /// Stores a config (bytes as given: their digest is the id) whose layers are on disk and
    /// pinned, and records the layer sizes. Returns the image, untagged unless it was before.
    func register(config: ImageConfig, bytes: [UInt8], layerSizes sizes: [String: Int64]) async throws(BerthError) -> Image {
        let hex = SHA256.hex(bytes)
        let id = "sha256:" + hex
        if configs[id] == nil {
            let path = layout.configPath(hex)
            try await Self.blocking { try FileSystem.writeAtomically(path, bytes) }
        }
        configs[id] = config
        for (diff, size) in sizes { layerSizes[diff] = size }
        return try image(id: id)
    }
}
