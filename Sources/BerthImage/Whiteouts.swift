import CBerth

#if canImport(Glibc)
    import Glibc
#endif

/// Converts Docker/OCI layer whiteouts, as tar extracted them, into overlayfs's own markers so
/// an extracted layer can serve as an overlay lower directory as it is:
/// - `.wh.<name>` (a deleted file or directory) becomes a 0/0 character device `<name>`, owned
///   like the marker;
/// - `.wh..wh..opq` (a directory whose lower contents are hidden) becomes the
///   `trusted.overlay.opaque=y` xattr on that directory;
/// - other `.wh..wh.*` entries (aufs hard-link bookkeeping) are dropped.
enum Whiteouts {
    static let prefix = ".wh."
    static let opaqueMarker = ".wh..wh..opq"
    static let metaPrefix = ".wh..wh."

    /// Rewrites every whiteout below `root`; returns how many it converted.
    @discardableResult
    static func convert(in root: String) throws(FileSystem.Error) -> Int {
        var converted = 0
        try FileSystem.walk(root) { path, name, st throws(FileSystem.Error) in
            guard name.hasPrefix(prefix) else { return true }
            let parent = String(path.dropLast(name.utf8.count + 1))
            if name == opaqueMarker {
                try FileSystem.removeTree(path)
                guard setxattr(parent, "trusted.overlay.opaque", "y", 1, 0) == 0 else {
                    throw FileSystem.Error(call: "setxattr trusted.overlay.opaque", path: parent, errno: errno)
                }
            } else if name.hasPrefix(metaPrefix) {
                try FileSystem.removeTree(path)
                return false
            } else {
                let target = parent + "/" + name.dropFirst(prefix.count)
                try FileSystem.removeTree(path)
                // A layer should not carry both the file and its whiteout; the whiteout wins.
                try FileSystem.removeTree(target)
                guard mknod(target, S_IFCHR, 0) == 0 else {
                    throw FileSystem.Error(call: "mknod", path: target, errno: errno)
                }
                guard lchown(target, st.st_uid, st.st_gid) == 0 else {
                    throw FileSystem.Error(call: "lchown", path: target, errno: errno)
                }
            }
            converted += 1
            return false
        }
        return converted
    }
}
