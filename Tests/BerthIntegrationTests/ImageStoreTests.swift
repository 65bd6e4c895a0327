import BerthCore
import BerthImage
import Foundation
import Synchronization
import Testing

/// The image store and container root filesystems against the real kernel and /bin/tar: a
/// busybox-static root filesystem imported like `docker import`, a hand-made `docker save`
/// tarball (and an OCI layout) with whiteouts loaded like `docker load`, and overlay mounts.
///
/// Mounts happen only inside a private mount namespace (`MountNamespace.makePrivate()`): a
/// thread unshares CLONE_NEWNS (allowed in a multithreaded process; it also unshares that
/// thread's fs_struct), makes `/` recursively private and keeps the namespace by fd; mount work
/// then runs on fresh threads that `setns` into it. Nothing can leak to the host, and every
/// test checks the host's mount table at the end anyway.
@Suite(
    "Image store against the kernel", .serialized,
    .enabled(if: getuid() == 0, "needs root for owners, whiteout devices and overlay mounts"),
    .enabled(if: BusyboxRootfs.isAvailable, "needs busybox-static"))
struct ImageStoreTests {
    @Test("import busybox with --change, tag, inspect, list, id lookups, gzip import, reopen")
    func importTagInspect() async throws {
        try await withFixture { f in
            let tar = try f.busyboxTar()
            let store = try await ImageStore.open(dataRoot: f.dataRoot)
            let image = try await store.importRootfs(
                tarPath: tar, reference: "busybox:latest",
                changes: [#"CMD ["sh"]"#, "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
            #expect(image.repoTags == ["busybox:latest"])
            // The id is the digest of the stored config, the diff id that of the tar.
            let hex = String(image.id.dropFirst(7))
            #expect(try f.sha256sum(f.dataRoot + "/image/configs/\(hex).json") == hex)
            #expect(image.layers == ["sha256:" + (try f.sha256sum(tar))])

            try await store.tag("busybox", as: "alpine")
            let inspect = try await store.inspect("alpine")
            #expect(inspect.id == image.id)
            #expect(inspect.repoTags == ["alpine:latest", "busybox:latest"])
            #expect(inspect.config?.cmd == ["sh"])
            #expect(inspect.config?.env == ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"])
            #expect(inspect.os == "linux" && inspect.architecture == ImageConfig.hostArchitecture)
            #expect(inspect.comment == "Imported from -")
            #expect(inspect.rootFS.type == "layers" && inspect.rootFS.layers == image.layers)
            #expect(inspect.size > 1_000_000)

            for name in ["docker.io/library/busybox:latest", String(hex.prefix(12)), "sha256:" + hex.prefix(8), hex] {
                #expect(try await store.image(name).id == image.id, "lookup \(name)")
            }
            await #expect(throws: BerthError.notFound("No such image: nope:latest")) { try await store.inspect("nope") }
            await #expect(throws: BerthError.invalidArgument("invalid reference format: repository name must be lowercase")) {
                try await store.tag("busybox", as: "Foo")
            }

            // A gzip-compressed tarball unpacks to the same layer, stored once.
            try f.shell("/bin/sh", ["-c", "gzip -c '\(tar)' > '\(tar).gz'"])
            let gz = try await store.importRootfs(tarPath: tar + ".gz", reference: "busybox:gz")
            #expect(gz.layers == image.layers)
            #expect(try f.layerDirectories().count == 1)

            // A request body arrives in chunks; it is spooled, then imported the same way.
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: tar)))
            let body = AsyncThrowingStream<[UInt8], any Error> { continuation in
                stride(from: 0, to: bytes.count, by: 65_536).forEach {
                    continuation.yield(Array(bytes[$0..<min($0 + 65_536, bytes.count)]))
                }
                continuation.finish()
            }
            let streamed = try await store.importRootfs(chunks: body, reference: "busybox:stream", message: "from a stream")
            #expect(streamed.layers == image.layers)
            #expect(streamed.config.comment == "from a stream")
            #expect(try await store.remove("busybox:stream") == [.untagged("busybox:stream"), .deleted(streamed.id)])
            #expect(try FileManager.default.contentsOfDirectory(atPath: f.dataRoot + "/image/tmp").isEmpty)

            let summaries = await store.list()
            #expect(summaries.count == 2)
            #expect(summaries.first { $0.id == image.id }?.repoTags == ["alpine:latest", "busybox:latest"])

            // Everything is on disk: a second store sees the same images and tags.
            let reopened = try await ImageStore.open(dataRoot: f.dataRoot)
            #expect(await reopened.list() == summaries)
        }
    }

    @Test("load a docker-save tarball: whiteouts hide lower files in the overlay rootfs")
    func loadAndWhiteouts() async throws {
        try await withFixture { f in
            let base = try f.busyboxTar(extra: ["etc/motd": "welcome\n", "srv/old.txt": "old\n", "srv/keep/x": "x\n"])
            let top = try f.tar(
                "top", files: ["etc/.wh.motd": "", "srv/.wh..wh..opq": "", "srv/new.txt": "new\n", "hello.txt": "hi\n"])
            let archive = try f.saveArchive(layers: [base, top], repoTags: ["whiteout:test"])

            let store = try await ImageStore.open(dataRoot: f.dataRoot)
            let loaded = try await store.load(tarPath: archive.path)
            #expect(loaded == [LoadedImage(id: archive.imageID, repoTags: ["whiteout:test"])])
            #expect(loaded.first?.messages == ["Loaded image: whiteout:test"])
            let image = try await store.image("whiteout:test")
            #expect(image.runConfig.cmd == ["sh"])

            let namespace = try await MountNamespace.makePrivate()
            defer { namespace.close() }
            let rootfs = RootfsManager(dataRoot: f.dataRoot, namespace: namespace)
            let container = Identifier.random()
            let path = try await rootfs.prepare(containerID: container, image: image)
            #expect(try await rootfs.prepare(containerID: container, image: image) == path)  // idempotent
            #expect(try await rootfs.isMounted(containerID: container))
            let view = try await namespace.run { () throws -> [String: Bool] in
                try "written\n".write(toFile: path + "/tmp/written.txt", atomically: false, encoding: .utf8)
                let fm = FileManager.default
                return [
                    "motd": fm.fileExists(atPath: path + "/etc/motd"),
                    "old": fm.fileExists(atPath: path + "/srv/old.txt"),
                    "keep": fm.fileExists(atPath: path + "/srv/keep"),
                    "new": fm.fileExists(atPath: path + "/srv/new.txt"),
                    "hello": (try? String(contentsOfFile: path + "/hello.txt", encoding: .utf8)) == "hi\n",
                    "busybox": fm.isExecutableFile(atPath: path + "/bin/busybox"),
                    "sh": (try? fm.destinationOfSymbolicLink(atPath: path + "/bin/sh")) == "/bin/busybox",
                ]
            }
            #expect(view == ["motd": false, "old": false, "keep": false, "new": true, "hello": true, "busybox": true, "sh": true])
            // Not visible on the host; the write went to the container's upper directory only.
            #expect(!(try f.hostMountTable().contains(f.dataRoot)))
            let upper = f.dataRoot + "/containers/\(container)/overlay/upper"
            #expect(FileManager.default.fileExists(atPath: upper + "/tmp/written.txt"))
            #expect(try f.layerDirectories().allSatisfy { !FileManager.default.fileExists(atPath: $0 + "/diff/tmp/written.txt") })

            try await rootfs.release(containerID: container)
            #expect(try await !rootfs.isMounted(containerID: container))
            let leftover = try await namespace.run { try String(contentsOfFile: "/proc/thread-self/mountinfo", encoding: .utf8) }
            #expect(!leftover.contains(f.dataRoot))

            // The stopped container's record keeps its layers even when the image goes.
            let removed = try await store.remove("whiteout:test")
            #expect(removed == [.untagged("whiteout:test"), .deleted(archive.imageID)])
            #expect(try f.layerDirectories().count == 2)
            // ... and the container can still mount its root filesystem from them.
            #expect(try await rootfs.prepare(containerID: container) == path)
            let remounted = try await namespace.run { FileManager.default.fileExists(atPath: path + "/tmp/written.txt") }
            #expect(remounted)
            try await rootfs.remove(containerID: container)
            #expect(!FileManager.default.fileExists(atPath: upper))
            #expect(try await !rootfs.isMounted(containerID: container))
        }
    }

    @Test("load an OCI layout (index.json, gzip blobs, nested index)")
    func loadOCILayout() async throws {
        try await withFixture { f in
            let layer = try f.busyboxTar()
            let archive = try f.ociArchive(layer: layer, name: "docker.io/library/oci:1.0")
            let store = try await ImageStore.open(dataRoot: f.dataRoot)
            let loaded = try await store.load(tarPath: archive.path)
            #expect(loaded == [LoadedImage(id: archive.imageID, repoTags: ["oci:1.0"])])
            #expect(try await store.image("oci:1.0").layers == ["sha256:" + (try f.sha256sum(layer))])

            // A layer that does not match its diff id is refused.
            let bad = try f.saveArchive(layers: [layer], repoTags: ["bad:x"], diffIDs: ["sha256:" + String(repeating: "0", count: 64)])
            let error = await #expect(throws: BerthError.self) { try await store.load(tarPath: bad.path) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.hasPrefix("invalid diffID for layer 0: expected \"sha256:000") == true)
        }
    }

    @Test("rmi: dockerd's conflicts with containers, forced untag, deletion of image and layers")
    func removeRules() async throws {
        try await withFixture { f in
            let usage = MockImageUsage()
            let store = try await ImageStore.open(dataRoot: f.dataRoot, usage: usage)
            let tar = try f.busyboxTar()
            let image = try await store.importRootfs(tarPath: tar, reference: "busybox")
            try await store.tag("busybox", as: "alpine:latest")
            let short = String(image.id.dropFirst(7).prefix(12))
            let container = Identifier.random()
            usage.set([ImageUser(containerID: container, isRunning: false)])

            // Another tag remains, so untagging needs no force.
            #expect(try await store.remove("busybox") == [.untagged("busybox:latest")])
            await #expect(throws: BerthError.conflict(
                "conflict: unable to remove repository reference \"alpine\" (must force) - container "
                    + "\(container.prefix(12)) is using its referenced image \(short)")) { try await store.remove("alpine") }
            await #expect(throws: BerthError.conflict(
                "conflict: unable to delete \(short) (must be forced) - image is being used by stopped container \(container.prefix(12))")
            ) { try await store.remove(short) }

            usage.set([ImageUser(containerID: container, isRunning: true)])
            await #expect(throws: BerthError.conflict(
                "conflict: unable to delete \(short) (cannot be forced) - image is being used by running container \(container.prefix(12))")
            ) { try await store.remove(short, force: true) }
            // Forced untag of an image a running container uses: the image stays, dangling.
            #expect(try await store.remove("alpine", force: true) == [.untagged("alpine:latest")])
            #expect(await store.list().map(\.repoTags) == [["<none>:<none>"]])

            // Forced removal while only a stopped container uses it: the image goes, its layers
            // stay for the container (as dockerd keeps them for its read-write layer).
            usage.set([ImageUser(containerID: container, isRunning: false)])
            #expect(try await store.remove(image.id, force: true) == [.deleted(image.id)])
            #expect(await store.list().isEmpty)
            #expect(try f.layerDirectories().count == 1)
            // With no container record (RootfsManager.create) holding them, the next open collects them.
            _ = try await ImageStore.open(dataRoot: f.dataRoot)
            #expect(try f.layerDirectories().isEmpty)

            usage.set([])
            let again = try await store.importRootfs(tarPath: tar, reference: "busybox")
            let removed = try await store.remove("busybox")
            #expect(removed == [.untagged("busybox:latest"), .deleted(again.id), .deleted(again.layers[0])])
            #expect(await store.list().isEmpty)
            #expect(try f.layerDirectories().isEmpty)
            await #expect(throws: BerthError.notFound("No such image: busybox:latest")) { try await store.remove("busybox") }
        }
    }

    private func withFixture(_ body: (ImageFixture) async throws -> Void) async throws {
        let f = try ImageFixture()
        defer { f.close() }
        try await body(f)
        #expect(!(try f.hostMountTable().contains(f.dataRoot)), "mounts leaked to the host")
    }
}

/// Which containers use an image, as the test says.
private final class MockImageUsage: ImageUsage {
    private let users = Mutex<[ImageUser]>([])
    func set(_ list: [ImageUser]) { users.withLock { $0 = list } }
    func containers(usingImage imageID: String) async -> [ImageUser] { users.withLock { $0 } }
}

/// A scratch directory per test (data root, root filesystems, archives), removed at the end.
private final class ImageFixture: Sendable {
    let root = "/tmp/berth-image-test-" + String(Identifier.random().prefix(8))
    var dataRoot: String { root + "/data" }
    /// Builds the busybox root filesystems and archives under `<root>/work`.
    let archives: BusyboxRootfs

    init() throws { archives = try BusyboxRootfs(directory: root + "/work") }

    func close() { try? FileManager.default.removeItem(atPath: root) }

    @discardableResult
    func shell(_ path: String, _ args: [String]) throws -> String { try Shell.must(path, args) }

    func sha256sum(_ path: String) throws -> String { try archives.sha256sum(path) }

    func hostMountTable() throws -> String { try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) }

    func layerDirectories() throws -> [String] {
        let dir = dataRoot + "/image/layers"
        return try FileManager.default.contentsOfDirectory(atPath: dir).map { dir + "/" + $0 }
    }

    func busyboxTar(extra: [String: String] = [:]) throws -> String { try archives.busyboxTar(extra: extra) }

    func tar(_ name: String, files: [String: String]) throws -> String { try archives.tar(name, files: files) }

    func saveArchive(layers: [String], repoTags: [String], diffIDs: [String]? = nil) throws -> (path: String, imageID: String) {
        try archives.saveArchive(layers: layers, repoTags: repoTags, diffIDs: diffIDs)
    }

    func ociArchive(layer: String, name: String) throws -> (path: String, imageID: String) {
        try archives.ociArchive(layer: layer, name: name)
    }
}
