import BerthCore

#if canImport(Glibc)
import Glibc
#endif

extension ConmonRuncRuntime {
    public func attach(id: String) async throws -> AttachSocket {
        let path = attachSocketPath(id: id)
        do {
            return try await NamespaceThread.run { try AttachSocket.connect(path: path) }
        } catch RuntimeError.system(let call, _, let e) where e == ENOENT || (call == "connect" && e == ECONNREFUSED) {
            throw RuntimeError.notRunning(id: id)
        }
    }

    /// Writes conmon's resize message (`1 <height> <width>\n`) to the `ctl` fifo in the bundle.
    public func resize(id: String, height: Int, width: Int) async throws {
        let ctl = try await bundle(of: id).path + "/ctl"
        let message = Array("1 \(height) \(width)\n".utf8)
        try await NamespaceThread.run {
            // Non-blocking: a fifo without a reader (conmon gone) fails with ENXIO instead of waiting.
            let fd = open(ctl, O_WRONLY | O_NONBLOCK | O_CLOEXEC)
            guard fd >= 0 else { throw RuntimeError.system(call: "open", path: ctl, errno: errno) }
            defer { Glibc.close(fd) }
            let n = message.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            guard n == message.count else { throw RuntimeError.system(call: "write", path: ctl, errno: errno) }
        }
    }
}
