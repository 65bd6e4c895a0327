/// Where the image store keeps things under `<data-root>/image/`:
///
///     repositories.json          name:tag → image id (dockerd's layout of the same file)
///     configs/<image hex>.json   image config JSON, byte for byte (its digest is the id)
///     layers/<diff hex>/diff/    an extracted layer, whiteouts in overlayfs form
///     layers/<diff hex>/size     its size in bytes, written before the directory appears
///     tmp/                       scratch (extractions in progress, loads); emptied at open
///
/// Container root filesystems live beside it, in `<data-root>/containers/<id>/` (`RootfsManager`).
struct ImageStoreLayout: Sendable {
    let dataRoot: String

    init(dataRoot: String) {
        var root = dataRoot
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.dataRoot = root
    }

    var imageRoot: String { dataRoot + "/image" }
    var indexPath: String { imageRoot + "/repositories.json" }
    var configsDirectory: String { imageRoot + "/configs" }
    var layersDirectory: String { imageRoot + "/layers" }
    var tmpDirectory: String { imageRoot + "/tmp" }
    var containersDirectory: String { dataRoot + "/containers" }

    /// `configs/<hex>.json` for image id hex `id`.
    func configPath(_ id: String) -> String { configsDirectory + "/" + id + ".json" }

    /// `layers/<hex>` for diff id `sha256:<hex>`.
    func layerDirectory(_ diffID: String) -> String { layersDirectory + "/" + Self.hex(diffID) }

    /// `layers/<hex>/diff`, the directory overlayfs stacks.
    func layerDiff(_ diffID: String) -> String { layerDirectory(diffID) + "/diff" }

    /// The hex part of `sha256:<hex>`.
    static func hex(_ digest: String) -> String {
        digest.hasPrefix("sha256:") ? String(digest.dropFirst(7)) : digest
    }

    /// Whether `digest` is a well-formed `sha256:<64 lowercase hex>` (anything else could name a
    /// path outside the store).
    static func isDigest(_ digest: String) -> Bool {
        digest.hasPrefix("sha256:") && ImageReference.isFullHex(String(digest.dropFirst(7)))
    }
}
