#if canImport(Glibc)
    import Glibc
#endif

/// Blocking file-system calls the image store needs, with errno kept typed. Call them only
/// from a thread Berth owns (`NamespaceThread.run`), never from a Swift concurrency thread.
enum FileSystem {
    /// A failed system call on a path.
    struct Error: Swift.Error, CustomStringConvertible, Equatable, Sendable {
        var call: String
        var path: String
        var errno: Int32

        var description: String {
            let text = strerror(errno).map { String(cString: $0) } ?? "errno \(errno)"
            return "\(call) \(path): \(text)"
        }
    }

    /// Reads the whole file, refusing files over `limit` bytes (configs and manifests are small).
    static func readFile(_ path: String, limit: Int = 16 << 20) throws(Error) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Error(call: "open", path: path, errno: errno) }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Error(call: "read", path: path, errno: errno)
            }
            if n == 0 { return out }
            out += chunk[0..<n]
            if out.count > limit { throw Error(call: "read", path: path, errno: EFBIG) }
        }
    }

    /// Writes `bytes` to `path` so readers see the old file or the new one, never a torn
    /// one: a temporary file beside it, fsync, rename.
    static func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(Error) {
        let temp = path + ".tmp-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw Error(call: "open", path: temp, errno: errno) }
        var ok = false
        defer {
            if !ok { unlink(temp) }
        }
        do {
            defer { close(fd) }
            try writeAll(fd, bytes, path: temp)
            guard fsync(fd) == 0 else { throw Error(call: "fsync", path: temp, errno: errno) }
        }
        guard rename(temp, path) == 0 else { throw Error(call: "rename", path: path, errno: errno) }
        ok = true
    }

    /// Writes every byte of `bytes` to `fd`, retrying short writes and EINTR.
    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws(Error) {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, bytes.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Error(call: "write", path: path, errno: errno)
            }
            offset += n
        }
    }

    /// `mkdir -p`: creates `path` and missing parents; existing directories are fine.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(Error) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw Error(call: "mkdir", path: current, errno: errno)
            }
        }
        guard isDirectory(path) else { throw Error(call: "mkdir", path: path, errno: ENOTDIR) }
    }

    /// Whether something (a dangling symlink included) exists at `path`.
    static func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    /// Whether `path` is a directory (symlinks not followed).
    static func isDirectory(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// The names in directory `path`, without `.` and `..`; empty when it does not exist.
    static func list(_ path: String) throws(Error) -> [String] {
        guard let dir = opendir(path) else {
            if errno == ENOENT { return [] }
            throw Error(call: "opendir", path: path, errno: errno)
        }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The canonical absolute path (symlinks resolved), or nil when it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// Whether `path`, once symlinks are resolved, stays inside directory `root` (also resolved).
    static func isContained(_ path: String, in root: String) -> Bool {
        guard let real = realPath(path), let realRoot = realPath(root) else { return false }
        return real == realRoot || real.hasPrefix(realRoot.hasSuffix("/") ? realRoot : realRoot + "/")
    }

    /// A fresh directory `<parent>/<prefix><random>`.
    static func makeTemporaryDirectory(in parent: String, prefix: String) throws(Error) -> String {
        try makeDirectories(parent)
        for _ in 0..<16 {
            let path = parent + "/" + prefix + String(UInt64.random(in: 0...UInt64.max), radix: 16)
            if mkdir(path, 0o700) == 0 { return path }
            if errno != EEXIST { throw Error(call: "mkdir", path: path, errno: errno) }
        }
        throw Error(call: "mkdir", path: parent + "/" + prefix, errno: EEXIST)
    }
}
