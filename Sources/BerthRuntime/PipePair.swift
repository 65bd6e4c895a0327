import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// A close-on-exec pipe (never inherited by a child spawned concurrently by another thread).
struct PipePair {
    let read: Int32
    let write: Int32

    init() throws {
        var fds: [Int32] = [-1, -1]
        guard pipe2(&fds, O_CLOEXEC) == 0 else { throw RuntimeError.system(call: "pipe2", path: "", errno: errno) }
        read = fds[0]
        write = fds[1]
    }

    func closeBoth() {
        close(read)
        close(write)
    }
}
