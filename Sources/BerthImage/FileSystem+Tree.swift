#if canImport(Glibc)
    import Glibc
#endif

extension FileSystem {
    /// `rm -rf path`, never following symlinks; a missing path is fine.
    static func removeTree(_ path: String) throws(Error) {
        var st = stat()
        guard lstat(path, &st) == 0 else {
            if errno == ENOENT { return }
            throw Error(call: "lstat", path: path, errno: errno)
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            for name in try list(path) {
                try removeTree(path + "/" + name)
            }
            guard rmdir(path) == 0 || errno == ENOENT else { throw Error(call: "rmdir", path: path, errno: errno) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw Error(call: "unlink", path: path, errno: errno) }
        }
    }

    /// Visits every entry below `root` (not `root` itself), parents before children, with its
    /// `lstat`; never descends through symlinks. `visit` returns false to skip a directory's
    /// contents (or an entry it removed).
    static func walk(_ root: String, _ visit: (_ path: String, _ name: String, _ st: stat) throws(Error) -> Bool) throws(Error) {
        for name in try list(root).sorted() {
            let path = root + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else {
                if errno == ENOENT { continue }
                throw Error(call: "lstat", path: path, errno: errno)
            }
            let descend = try visit(path, name, st)
            if descend && (st.st_mode & S_IFMT) == S_IFDIR {
                try walk(path, visit)
            }
        }
    }

    /// What dockerd reports as a layer's size: the sum of the sizes of every non-directory
    /// entry, each inode counted once (hard links).
    static func diskUsage(_ root: String) throws(Error) -> Int64 {
        var seen = Set<UInt64>()
        var total: Int64 = 0
        try walk(root) { _, _, st throws(Error) in
            if (st.st_mode & S_IFMT) != S_IFDIR && st.st_size > 0 && seen.insert(UInt64(st.st_ino)).inserted {
                total += Int64(st.st_size)
            }
            return true
        }
        return total
    }
}
