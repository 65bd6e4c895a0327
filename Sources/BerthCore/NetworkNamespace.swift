import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// Persistent network namespaces named by a file, the way `ip netns add` and libnetwork make
/// them (`/run/berth/netns/<id>`): a bind mount of a namespace onto an empty file keeps the
/// namespace alive with no process or socket inside it, and gives it a path that runc and
/// `LinuxRouteNetlink(namespacePath:)` can open.
///
/// The file is bind-mounted in place, as libnetwork does; the directory is not turned into a
/// shared mount point as iproute2 does for `/run/netns` (that only matters for mount
/// namespaces created afterwards that should see later namespaces, and runc gives each
/// container a private root anyway).
public enum NetworkNamespace {
    /// Why a namespace file could not be created, opened or removed.
    public enum Error: Swift.Error, CustomStringConvertible, Equatable, Sendable {
        /// Something already exists at `path`; remove it first (a stale file left by a crash
        /// between creating the file and mounting onto it is removed the same way).
        case alreadyExists(path: String)
        /// The system call `call` failed on `path`.
        case system(call: String, path: String, errno: Int32)
        /// `path` opened, but it is not a namespace file (a plain file, say, left without its mount).
        case notANamespace(path: String)

        public var description: String {
            switch self {
            case .alreadyExists(let path):
                "network namespace: \(path) already exists"
            case .system(let call, let path, let e):
                "network namespace: \(call) \(path) failed: errno \(e) (\(strerror(e).map { String(cString: $0) } ?? "unknown error"))"
            case .notANamespace(let path):
                "network namespace: \(path) is not a namespace file (is the namespace mounted there?)"
            }
        }

        /// The errno of a failed system call.
        public var errno: Int32? {
            if case .system(_, _, let e) = self { return e }
            return nil
        }
    }

    /// Creates a new, empty network namespace (only `lo`, down) and pins it at `path`.
    ///
    /// Runs on a `NamespaceThread`: the thread unshares its network namespace, then bind-mounts
    /// `/proc/thread-self/ns/net` (that is, `/proc/self/task/<tid>/ns/net`) onto a new empty
    /// file at `path`, creating missing parent directories (mode 0755). The thread exits
    /// afterwards; the mount keeps the namespace alive until `remove(at:)`. If mounting fails,
    /// the file is removed again. Needs CAP_SYS_ADMIN. `sysctls` (`net.ipv6.conf.all.disable_ipv6`
    /// = `1`) are set inside the new namespace first.
    public static func create(at path: String, sysctls: [(key: String, value: String)] = []) async throws {
        try await NamespaceThread.run(network: .new) {
            try writeSysctls(sysctls)
            try makeDirectories(parentOf: path)
            let fd = Glibc.open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0)
            guard fd >= 0 else {
                let e = errno
                if e == EEXIST { throw Error.alreadyExists(path: path) }
                throw Error.system(call: "create", path: path, errno: e)
            }
            close(fd)
            guard mount("/proc/thread-self/ns/net", path, "none", UInt(MS_BIND), nil) == 0 else {
                let e = errno
                unlink(path)
                throw Error.system(call: "mount --bind /proc/thread-self/ns/net", path: path, errno: e)
            }
        }
    }

    /// Pins a running process's network namespace at `path` again (bind mount of
    /// `/proc/<pid>/ns/net`), when the file at `path` is not a namespace any more: the mount was
    /// lost while the process lived on (the daemon's mount namespace went away with it, as under
    /// `ip netns exec`, or the exec root was emptied). Returns whether it had to re-pin.
    @discardableResult
    public static func repin(processID: Int32, at path: String) throws -> Bool {
        if let fd = try? open(path) {
            close(fd)
            return false
        }
        try makeDirectories(parentOf: path)
        _ = umount2(path, Int32(MNT_DETACH))
        let fd = Glibc.open(path, O_RDONLY | O_CREAT | O_CLOEXEC, 0)
        guard fd >= 0 else { throw Error.system(call: "create", path: path, errno: errno) }
        close(fd)
        let source = "/proc/\(processID)/ns/net"
        guard mount(source, path, "none", UInt(MS_BIND), nil) == 0 else {
            throw Error.system(call: "mount --bind \(source)", path: path, errno: errno)
        }
        return true
    }

    /// `remove(at:)` on a thread Berth owns, for async callers (umount2 and unlink block).
    public static func unpin(at path: String) async throws {
        try await NamespaceThread.run { try remove(at: path) }
    }

    /// Sets `net.*` sysctls inside the namespace pinned at `path` (on a thread that enters it).
    public static func setSysctls(_ sysctls: [(key: String, value: String)], at path: String) async throws {
        let items = sysctls.map { ($0.key, $0.value) }
        try await NamespaceThread.run(network: .enterPath(path)) { try writeSysctls(items.map { (key: $0.0, value: $0.1) }) }
    }

    /// Sets `net.*` sysctls in the daemon's own namespace (on a thread Berth owns, not the pool).
    public static func setSysctls(_ sysctls: [(key: String, value: String)]) async throws {
        let items = sysctls.map { ($0.key, $0.value) }
        try await NamespaceThread.run { try writeSysctls(items.map { (key: $0.0, value: $0.1) }) }
    }

    /// Reads a sysctl of the daemon's own namespace (`net.ipv4.ip_local_port_range`); nil when absent.
    public static func readSysctl(_ key: String) async -> String? {
        let file = "/proc/sys/" + key.split(separator: ".").joined(separator: "/")
        return try? await NamespaceThread.run { () throws -> String? in
            let fd = Glibc.open(file, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { return nil }
            let text = String(decoding: buffer[..<n], as: UTF8.self)
            return String(text.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
        }.flatMap { $0 }
    }

    /// Writes sysctls from the calling thread: /proc/sys/net belongs to the network namespace of the
    /// thread that opens it.
    private static func writeSysctls(_ sysctls: [(key: String, value: String)]) throws {
        for (key, value) in sysctls {
            // A key may also be a /proc/sys path, for names with dots in them (interfaces).
            let file = key.hasPrefix("/") ? key : "/proc/sys/" + key.split(separator: ".").joined(separator: "/")
            let fd = Glibc.open(file, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw Error.system(call: "open", path: file, errno: errno) }
            let written = value.withCString { Glibc.write(fd, $0, strlen($0)) }
            let e = errno
            close(fd)
            guard written >= 0 else { throw Error.system(call: "write", path: file, errno: e) }
        }
    }

    /// Unpins and deletes the namespace file at `path`: a lazy unmount (`MNT_DETACH`), then
    /// `unlink`. The namespace itself lives on while anything still holds it (an fd, a socket,
    /// a process inside). A missing file, or one that is no longer mounted on, is fine.
    public static func remove(at path: String) throws {
        if umount2(path, Int32(MNT_DETACH)) != 0 {
            let e = errno
            // EINVAL: not a mount point (a stale file); ENOENT: nothing there.
            guard e == EINVAL || e == ENOENT else { throw Error.system(call: "umount2", path: path, errno: e) }
        }
        if unlink(path) != 0 {
            let e = errno
            guard e == ENOENT else { throw Error.system(call: "unlink", path: path, errno: e) }
        }
    }

    /// Opens the namespace file at `path` (`O_RDONLY | O_CLOEXEC`) for `setns` or
    /// `IFLA_NET_NS_FD`; the caller owns and closes the fd. A file that is not a namespace
    /// (say, one left over without its mount) is refused here instead of failing later with an
    /// unexplained `EINVAL`; `setns(fd, CLONE_NEWNET)` still checks the namespace's kind.
    public static func open(_ path: String) throws -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Error.system(call: "open", path: path, errno: errno) }
        // Every namespace file lives on the kernel's one nsfs superblock, so it shares its device
        // with our own /proc/self/ns/net (statfs's NSFS_MAGIC would need another C header).
        var opened = stat()
        var reference = stat()
        guard fstat(fd, &opened) == 0, stat("/proc/self/ns/net", &reference) == 0,
            opened.st_dev == reference.st_dev
        else {
            close(fd)
            throw Error.notANamespace(path: path)
        }
        return fd
    }

    /// `mkdir -p` for the directory holding `path`.
    private static func makeDirectories(parentOf path: String) throws {
        var prefix = ""
        let components = path.split(separator: "/", omittingEmptySubsequences: true).dropLast()
        for component in components {
            prefix += (prefix.isEmpty && !path.hasPrefix("/") ? "" : "/") + component
            if mkdir(prefix, 0o755) != 0 {
                let e = errno
                guard e == EEXIST else { throw Error.system(call: "mkdir", path: prefix, errno: e) }
            }
        }
    }
}
