import BerthCore

#if canImport(Glibc)
    import Glibc
#endif

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension ImageStore {
    /// `docker load`: brings in every image of the `docker save` tarball at `tarPath` (plain
    /// or compressed; `manifest.json` layout, or an OCI layout with `index.json`), verifying
    /// each layer against its config's diff ids, and tags them as the archive says. A tag that
    /// pointed at another image moves, leaving that image dangling (as dockerd does).
    public func load(tarPath: String) async throws(BerthError) -> [LoadedImage] {
        let layers = self.layers
        let layout = self.layout
        let staged = try await Self.blocking { try Self.stage(tarPath, layers: layers, layout: layout) }
        var loaded: [LoadedImage] = []
        do {
            for image in staged {
                let stored = try await register(config: image.config, bytes: image.configBytes, layerSizes: image.layerSizes)
                var tags: [String] = []
                for text in image.repoTags {
                    let reference = try Self.parseTarget(text)
                    index.set(reference, to: stored.id)
                    tags.append(reference.familiarString)
                }
                loaded.append(LoadedImage(id: stored.id, repoTags: tags))
            }
            for image in staged { layers.unpin(Array(image.layerSizes.keys)) }
            if loaded.contains(where: { !$0.repoTags.isEmpty }) { try await persistIndex() }
            return loaded
        } catch {
            for image in staged { layers.unpin(Array(image.layerSizes.keys)) }
            throw error
        }
    }

    /// An image of the archive whose layers are on disk and pinned.
    struct StagedImage: Sendable {
        var configBytes: [UInt8]
        var config: ImageConfig
        var layerSizes: [String: Int64]
        var repoTags: [String]
    }

    /// Extracts the archive into scratch, unpacks every layer not yet present (checking its
    /// digest), and returns the images; blocking. On failure nothing stays pinned.
    static func stage(_ tarPath: String, layers: LayerStore, layout: ImageStoreLayout) throws -> [StagedImage] {
        let scratch = try FileSystem.makeTemporaryDirectory(in: layout.tmpDirectory, prefix: "load-")
        defer { try? FileSystem.removeTree(scratch) }
        // GNU tar recognises compressed archives by content when reading a file.
        let devNull = Glibc.open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if devNull >= 0 { Glibc.close(devNull) } }
        let tar = try Subprocess.spawn(
            Subprocess.locate(["/bin/tar", "/usr/bin/tar"]), ["-x", "--no-same-owner", "-f", tarPath, "-C", scratch],
            stdin: devNull, stdout: devNull, scratchDirectory: layout.tmpDirectory)
        try tar.wait()

        var staged: [StagedImage] = []
        do {
            let entries: [ImageArchive.Entry]
            do {
                entries = try ImageArchive(root: scratch).entries()
            } catch let error as ImageArchive.Error {
                throw BerthError.invalidArgument(error.description)
            }
            for entry in entries {
                staged.append(try stage(entry, layers: layers))
            }
        } catch {
            for image in staged { layers.unpin(Array(image.layerSizes.keys)) }
            throw error
        }
        return staged
    }

    private static func stage(_ entry: ImageArchive.Entry, layers: LayerStore) throws -> StagedImage {
        let bytes = try FileSystem.readFile(entry.configPath)
        let config: ImageConfig
        do {
            config = try JSONDecoder().decode(ImageConfig.self, from: Data(bytes))
        } catch {
            throw BerthError.invalidArgument("invalid image config \(entry.configPath.split(separator: "/").last ?? ""): \(error)")
        }
        guard config.rootfs.type == "layers" else {
            throw BerthError.invalidArgument("invalid image config: rootfs type \"\(config.rootfs.type)\" is not \"layers\"")
        }
        let diffIDs = config.rootfs.diffIDs
        guard entry.layerPaths.count == diffIDs.count else {
            throw BerthError.invalidArgument(
                "invalid manifest, layers length mismatch: expected \(entry.layerPaths.count), got \(diffIDs.count)")
        }
        if let bad = diffIDs.first(where: { !ImageStoreLayout.isDigest($0) }) {
            throw BerthError.invalidArgument("invalid image config: bad diff id \"\(bad)\"")
        }
        var sizes: [String: Int64] = [:]
        do {
            for (i, (diffID, path)) in zip(diffIDs, entry.layerPaths).enumerated() where sizes[diffID] == nil {
                if let size = layers.pinIfPresent(diffID) {
                    sizes[diffID] = size
                    continue
                }
                do {
                    sizes[diffID] = try layers.unpack(path, expected: diffID).size
                } catch LayerStore.Error.digestMismatch(let expected, let actual) {
                    throw BerthError.invalidArgument("invalid diffID for layer \(i): expected \"\(expected)\", got \"\(actual)\"")
                }
            }
        } catch {
            layers.unpin(Array(sizes.keys))
            throw error
        }
        return StagedImage(configBytes: bytes, config: config, layerSizes: sizes, repoTags: entry.repoTags)
    }
}
