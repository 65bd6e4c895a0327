#if canImport(Glibc)
import Glibc
#endif

/// Small blocking file operations with errors that name the path. Call them only on threads
/// Berth owns.
enum FileIO {
    /// Writes `bytes` to a temporary file next to `path`, then renames it over `path`, so a reader
    /// never sees half a file.
    static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        let temporary = path + ".tmp-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw RuntimeError.system(call: "open", path: temporary, errno: errno) }
        var written = 0
        while written < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress.map { $0 + written }, bytes.count - written) }
            if n < 0 {
                if errno == EINTR { continue }
                let e = errno
                close(fd)
                unlink(temporary)
                throw RuntimeError.system(call: "write", path: temporary, errno: e)
            }
            written += n
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            let e = errno
            unlink(temporary)
            throw RuntimeError.system(call: "rename", path: path, errno: e)
        }
    }

    /// The file's bytes, or nil if it does not exist.
    static func readIfPresent(_ path: String) throws -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw RuntimeError.system(call: "open", path: path, errno: errno)
        }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw RuntimeError.system(call: "read", path: path, errno: errno)
            }
            if n == 0 { return bytes }
            bytes += buffer[0..<n]
        }
    }

    /// `mkdir -p`, with `mode` for the directories it creates.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw RuntimeError.system(call: "mkdir", path: current, errno: errno)
            }
        }
    }

    /// Removes a file, symlink or empty directory; a missing one is fine.
    static func removeIfPresent(_ path: String) throws {
        if unlink(path) == 0 || errno == ENOENT { return }
        if errno == EISDIR, rmdir(path) == 0 || errno == ENOENT { return }
        throw RuntimeError.system(call: "unlink", path: path, errno: errno)
    }
}
