import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// Runs a closure on a fresh thread that Berth owns, optionally inside another network
/// namespace, and hands its result back to async code.
///
/// Namespace membership is per thread (`setns` and `unshare` change only the calling
/// thread), so this work never runs on a Swift concurrency thread or a pooled thread that
/// something else would reuse: each call spawns a thread and lets it exit afterwards, taking
/// its namespace with it. What the closure opens (a netlink socket, a namespace fd) stays bound
/// to the namespace it was opened in and may be used anywhere.
public enum NamespaceThread {
    /// Which network namespace the closure runs in.
    public enum Network: Sendable {
        /// The process's current network namespace.
        case current
        /// A brand-new, empty network namespace (`unshare(CLONE_NEWNET)`); it lives as long as
        /// something opened inside it (a socket, an fd to `/proc/thread-self/ns/net`) stays open.
        case new
        /// The namespace open at `fd` (`setns(fd, CLONE_NEWNET)`); the caller keeps the fd.
        case enter(fd: Int32)
        /// The namespace pinned at this path (a sandbox file, `/proc/<pid>/ns/net`): opened, checked
        /// (`NetworkNamespace.open`), entered and closed on the thread itself, so callers do no file
        /// I/O of their own.
        case enterPath(String)
    }

    /// Why the thread could not run the closure.
    public enum Error: Swift.Error, CustomStringConvertible, Equatable, Sendable {
        /// `pthread_create` failed.
        case spawn(errno: Int32)
        /// `unshare(CLONE_NEWNET)` failed (`EPERM` without CAP_SYS_ADMIN).
        case unshare(errno: Int32)
        /// `setns(fd, CLONE_NEWNET)` failed (`EINVAL` when `fd` is not a network namespace).
        case setns(fd: Int32, errno: Int32)

        public var description: String {
            switch self {
            case .spawn(let e): "namespace thread: pthread_create failed: \(Self.text(e))"
            case .unshare(let e): "namespace thread: unshare(CLONE_NEWNET) failed: \(Self.text(e))"
            case .setns(let fd, let e): "namespace thread: setns(\(fd), CLONE_NEWNET) failed: \(Self.text(e))"
            }
        }

        private static func text(_ e: Int32) -> String {
            "errno \(e) (\(strerror(e).map { String(cString: $0) } ?? "unknown error"))"
        }
    }

    /// Runs `body` on a new thread, after moving that thread into `network`.
    ///
    /// The caller suspends without blocking a cooperative thread; the result may be
    /// non-`Sendable` (a freshly opened socket), since nothing else holds it.
    public static func run<Result>(
        network: Network = .current,
        _ body: @escaping @Sendable () throws -> sending Result
    ) async throws -> sending Result {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Result, any Swift.Error>) in
            let work = ThreadWork {
                do {
                    try enter(network)
                    continuation.resume(returning: try body())
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            if let spawnError = spawn(work) {
                continuation.resume(throwing: spawnError)
            }
        }
    }

    /// Like `run`, but `body` also hands back clean-up work that the thread does after the caller
    /// has resumed with the outcome: closing something whose close is slow and whose result nobody
    /// waits for (libnftables' socket, whose close waits for the kernel's RCU grace period).
    public static func run<Value: Sendable>(
        network: Network = .current,
        thenCleanUp body: @escaping @Sendable () -> (outcome: Swift.Result<Value, any Swift.Error>, cleanUp: @Sendable () -> Void)
    ) async throws -> Value {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Swift.Error>) in
            let work = ThreadWork {
                do {
                    try enter(network)
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                let (outcome, cleanUp) = body()
                continuation.resume(with: outcome)
                cleanUp()
            }
            if let spawnError = spawn(work) {
                continuation.resume(throwing: spawnError)
            }
        }
    }

    /// Moves the calling thread (a thread owned by this type, about to exit) into `network`.
    private static func enter(_ network: Network) throws {
        switch network {
        case .current:
            return
        case .new:
            guard unshare(CLONE_NEWNET) == 0 else { throw Error.unshare(errno: errno) }
        case .enter(let fd):
            guard setns(fd, CLONE_NEWNET) == 0 else { throw Error.setns(fd: fd, errno: errno) }
        case .enterPath(let path):
            let fd = try NetworkNamespace.open(path)
            defer { close(fd) }
            guard setns(fd, CLONE_NEWNET) == 0 else { throw Error.setns(fd: fd, errno: errno) }
        }
    }

    /// Starts a detached thread running `work`; returns the error when it cannot.
    private static func spawn(_ work: ThreadWork) -> Error? {
        let context = Unmanaged.passRetained(work).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { context in
            guard let context else { return nil }
            Unmanaged<ThreadWork>.fromOpaque(context).takeRetainedValue().body()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<ThreadWork>.fromOpaque(context).release()
            return .spawn(errno: result)
        }
        return nil
    }
}

/// The closure a namespace thread runs, boxed to cross `pthread_create`'s `void *`.
private final class ThreadWork {
    let body: () -> Void

    init(_ body: @escaping () -> Void) { self.body = body }
}
