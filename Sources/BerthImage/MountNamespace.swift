import BerthCore
import CBerth
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Where `RootfsManager` performs mounts, and the thread it performs them on.
///
/// `current` is the daemon's own mount namespace: berthd runs in one of its own (started under
/// `unshare -m` or `ip netns exec`), and runc must see the root filesystems it mounts there.
/// `makePrivate()` makes a fresh namespace, private to Berth, for tests: nothing mounted in it
/// is visible on the host, and everything mounted in it vanishes with it.
///
/// Why a namespace held by an fd and entered per call: mount namespaces belong to threads, and
/// `unshare(CLONE_NEWNS)` is allowed in a multithreaded process (it also unshares the calling
/// thread's `fs_struct`, its root and cwd, from the other threads), but it changes only the
/// calling thread. So a short-lived thread creates the namespace (making `/` recursively
/// private, or its mounts would propagate back to the host's peer group) and opens
/// `/proc/thread-self/ns/mnt`; afterwards every `run` starts a new thread that first unshares
/// CLONE_FS (setns into a mount namespace fails with EINVAL while the thread shares its fs_struct)
/// and then `setns(fd, CLONE_NEWNS)`. The namespace lives until `close()` drops the fd.
public final class MountNamespace: Sendable {
    /// Why a namespace could not be made or entered.
    public enum Error: Swift.Error, CustomStringConvertible, Equatable, Sendable {
        case system(call: String, errno: Int32)
        /// `run` after `close()`.
        case closed

        public var description: String {
            switch self {
            case .system(let call, let e): "mount namespace: \(call) failed: \(strerror(e).map { String(cString: $0) } ?? "errno \(e)")"
            case .closed: "mount namespace: already closed"
            }
        }
    }

    /// The fd of a private namespace, nil for the current one or once closed.
    private let fd: Mutex<Int32?>
    private let isPrivate: Bool

    private init(fd: Int32?) {
        self.fd = Mutex(fd)
        self.isPrivate = fd != nil
    }

    /// The process's own mount namespace (the daemon's).
    public static let current = MountNamespace(fd: nil)

    /// A new mount namespace, a copy of the current one with every mount made private.
    public static func makePrivate() async throws -> MountNamespace {
        let fd = try await NamespaceThread.run { () throws -> Int32 in
            guard unshare(CLONE_NEWNS) == 0 else { throw Error.system(call: "unshare(CLONE_NEWNS)", errno: errno) }
            guard mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), nil) == 0 else {
                throw Error.system(call: "mount(/, MS_REC|MS_PRIVATE)", errno: errno)
            }
            let fd = open("/proc/thread-self/ns/mnt", O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { throw Error.system(call: "open(/proc/thread-self/ns/mnt)", errno: errno) }
            return fd
        }
        return MountNamespace(fd: fd)
    }

    /// Runs `body` on a thread Berth owns, inside this namespace.
    public func run<R: Sendable>(_ body: @escaping @Sendable () throws -> R) async throws -> R {
        guard isPrivate else { return try await NamespaceThread.run { try body() } }
        // Dup the fd under the lock so a concurrent close() cannot pull it from under setns.
        let entered: Int32 = try fd.withLock { fd throws(Error) in
            guard let fd else { throw .closed }
            let copy = fcntl(fd, F_DUPFD_CLOEXEC, 0)
            guard copy >= 0 else { throw .system(call: "fcntl(F_DUPFD_CLOEXEC)", errno: errno) }
            return copy
        }
        return try await NamespaceThread.run {
            defer { Glibc.close(entered) }
            guard unshare(CLONE_FS) == 0 else { throw Error.system(call: "unshare(CLONE_FS)", errno: errno) }
            guard setns(entered, CLONE_NEWNS) == 0 else { throw Error.system(call: "setns(CLONE_NEWNS)", errno: errno) }
            return try body()
        }
    }

    /// Drops a private namespace: once no thread is inside it, the kernel unmounts everything
    /// mounted in it. Does nothing for `current`.
    public func close() {
        fd.withLock { fd in
            if let open = fd { Glibc.close(open) }
            fd = nil
        }
    }

    deinit { close() }
}
