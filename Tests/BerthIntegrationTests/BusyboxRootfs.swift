import BerthCore
import BerthImage
import Foundation

/// Image archives for tests, built from the host's busybox-static (Debian's `busybox-static`):
/// a root filesystem tarball as `docker import` takes it, plain layer tarballs, and
/// `docker save` tarballs (manifest.json layout) and OCI layouts as `docker load` takes them.
///
/// Everything is written under `directory`, which the caller creates and removes.
struct BusyboxRootfs: Sendable {
    let directory: String

    /// Whether the host has a static busybox to build root filesystems from.
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/bin/busybox") }

    init(directory: String) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// A busybox root filesystem tarball, plus `extra` files (path → content).
    ///
    /// The applet links are made by busybox itself inside a chroot, so they point at
    /// `/bin/busybox` in the image: run on the host (where `/bin` is a link to `usr/bin`), they
    /// would point at `/usr/bin/busybox`, which the image does not have.
    func busyboxTar(extra: [String: String] = [:]) throws -> String {
        let r = directory + "/rootfs-" + String(Identifier.random().prefix(6))
        for d in ["bin", "sbin", "usr/bin", "usr/sbin", "etc", "root", "tmp", "proc", "sys", "dev"] {
            try FileManager.default.createDirectory(atPath: r + "/" + d, withIntermediateDirectories: true)
        }
        try Shell.must("/usr/bin/install", ["-m", "0755", "/bin/busybox", r + "/bin/busybox"])
        try Shell.must("/usr/sbin/chroot", [r, "/bin/busybox", "--install", "-s"])
        try write(r + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
        try write(r + "/etc/group", "root:x:0:\nnogroup:x:65534:\n")
        for (path, content) in extra { try write(r + "/" + path, content) }
        return try tar(directory: r)
    }

    /// A layer tarball of `files` (path → content).
    func tar(_ name: String, files: [String: String]) throws -> String {
        let r = directory + "/" + name
        for (path, content) in files { try write(r + "/" + path, content) }
        return try tar(directory: r)
    }

    /// The hex SHA-256 of a file, by `sha256sum`.
    func sha256sum(_ path: String) throws -> String {
        String(try Shell.must("/usr/bin/sha256sum", [path]).prefix(64))
    }

    /// A `docker save` tarball (manifest.json layout) of one image made of `layers`, whose config
    /// sets `Cmd ["sh"]` and `Env PATH=/bin`; `diffIDs` overrides the layer digests it records.
    func saveArchive(
        layers: [String], repoTags: [String], diffIDs: [String]? = nil, created: String = "2026-11-29T00:00:00Z"
    ) throws -> (path: String, imageID: String) {
        let dir = directory + "/save-" + String(Identifier.random().prefix(6))
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let diffs = try diffIDs ?? layers.map { "sha256:" + (try sha256sum($0)) }
        var layerPaths: [String] = []
        for (i, layer) in layers.enumerated() {
            let name = "layer\(i)/layer.tar"
            try FileManager.default.createDirectory(atPath: dir + "/layer\(i)", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: layer, toPath: dir + "/" + name)
            layerPaths.append(name)
        }
        let config = try json([
            "architecture": ImageConfig.hostArchitecture, "os": "linux", "created": created,
            "config": ["Cmd": ["sh"], "Env": ["PATH=/bin"]], "rootfs": ["type": "layers", "diff_ids": diffs],
        ])
        let configHex = SHA256.hex(config)
        try Data(config).write(to: URL(fileURLWithPath: dir + "/\(configHex).json"))
        let manifest = try json([["Config": "\(configHex).json", "RepoTags": repoTags, "Layers": layerPaths]])
        try Data(manifest).write(to: URL(fileURLWithPath: dir + "/manifest.json"))
        try Shell.must("/bin/tar", ["-C", dir, "-cf", dir + ".tar", "."])
        return (dir + ".tar", "sha256:" + configHex)
    }

    /// An OCI image layout: index.json → nested index → manifest → config and a gzip layer.
    func ociArchive(layer: String, name: String) throws -> (path: String, imageID: String) {
        let dir = directory + "/oci-" + String(Identifier.random().prefix(6))
        let blobs = dir + "/blobs/sha256"
        try FileManager.default.createDirectory(atPath: blobs, withIntermediateDirectories: true)
        func blob(_ bytes: [UInt8]) throws -> [String: Any] {
            let hex = SHA256.hex(bytes)
            try Data(bytes).write(to: URL(fileURLWithPath: blobs + "/" + hex))
            return ["digest": "sha256:" + hex, "size": bytes.count]
        }
        try Shell.must("/bin/sh", ["-c", "gzip -c '\(layer)' > '\(layer).gz'"])
        let layerBlob = try blob(Array(try Data(contentsOf: URL(fileURLWithPath: layer + ".gz"))))
        let config = try json([
            "architecture": ImageConfig.hostArchitecture, "os": "linux",
            "rootfs": ["type": "layers", "diff_ids": ["sha256:" + (try sha256sum(layer))]],
        ])
        let configBlob = try blob(config)
        let manifest = try blob(try json([
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": configBlob.merging(["mediaType": "application/vnd.oci.image.config.v1+json"]) { a, _ in a },
            "layers": [layerBlob.merging(["mediaType": "application/vnd.oci.image.layer.v1.tar+gzip"]) { a, _ in a }],
        ]))
        let nested = try blob(try json([
            "schemaVersion": 2,
            "manifests": [manifest.merging([
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "platform": ["os": "linux", "architecture": ImageConfig.hostArchitecture],
            ]) { a, _ in a }],
        ]))
        let index = try json([
            "schemaVersion": 2,
            "manifests": [nested.merging([
                "mediaType": "application/vnd.oci.image.index.v1+json",
                "annotations": ["io.containerd.image.name": name, "org.opencontainers.image.ref.name": "1.0"],
            ]) { a, _ in a }],
        ])
        try Data(index).write(to: URL(fileURLWithPath: dir + "/index.json"))
        try write(dir + "/oci-layout", #"{"imageLayoutVersion":"1.0.0"}"#)
        try Shell.must("/bin/tar", ["-C", dir, "-cf", dir + ".tar", "."])
        return (dir + ".tar", "sha256:" + SHA256.hex(config))
    }

    private func tar(directory: String) throws -> String {
        let out = directory + ".tar"
        try Shell.must("/bin/tar", ["--numeric-owner", "-C", directory, "-cf", out, "."])
        return out
    }

    private func write(_ path: String, _ content: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try content.write(toFile: path, atomically: false, encoding: .utf8)
    }

    private func json(_ value: Any) throws -> [UInt8] {
        Array(try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys]))
    }
}
