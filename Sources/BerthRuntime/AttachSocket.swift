import BerthCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A connection to conmon's attach socket: the container's output as it is written, and a way
/// to write to its stdin (when it was created with `openStdin`).
///
/// The socket is `SOCK_SEQPACKET`: each packet conmon sends is one byte naming the stream
/// (2 stdout, 3 stderr: conmon's pipe numbers) and then the data; what we send goes to the container's stdin as is.
/// NIO's channels read with buffers that may truncate a packet, so a thread Berth owns reads it
/// with blocking `recv`; writes are non-blocking `send`s, waiting for room on NIO's thread pool.
public final class AttachSocket: Sendable {
    /// One packet of output: which stream, and its bytes.
    public typealias Chunk = (stream: LogLine.Stream, bytes: [UInt8])

    /// The container's output until it exits or `close()` is called.
    public let output: AsyncStream<Chunk>

    private struct State {
        var fd: Int32
        /// Set once the reader thread has closed `fd`: nobody may use it afterwards.
        var closed = false
    }

    /// Shared with the reader thread, which outlives no one: a class so the mutex can be shared.
    private final class Shared: Sendable {
        let mutex: Mutex<State>
        init(fd: Int32) { mutex = Mutex(State(fd: fd)) }
        func withLock<R>(_ body: (inout State) -> R) -> R { mutex.withLock { body(&$0) } }
    }

    private let state: Shared

    /// Connects to the socket at `path` (any length: it is reached through `/proc/self/fd`, as
    /// podman does) and starts the reader thread. Blocking; call from a thread Berth owns.
    static func connect(path: String) throws -> AttachSocket {
        // O_PATH (not exported by Glibc's Swift overlay): a handle on the socket file, not an open of it.
        let dir = open(path, 0o10000000 | O_CLOEXEC)
        guard dir >= 0 else { throw RuntimeError.system(call: "open", path: path, errno: errno) }
        defer { Glibc.close(dir) }
        let fd = socket(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw RuntimeError.system(call: "socket", path: path, errno: errno) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let proc = Array("/proc/self/fd/\(dir)".utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in proc.enumerated() where i < raw.count - 1 { raw[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else {
            let e = errno
            Glibc.close(fd)
            throw RuntimeError.system(call: "connect", path: path, errno: e)
        }
        return try AttachSocket(fd: fd)
    }

    private init(fd: Int32) throws {
        state = Shared(fd: fd)
        let (stream, continuation) = AsyncStream<Chunk>.makeStream()
        output = stream
        let state = self.state
        // A thread of our own for the blocking reads; it owns closing the socket.
        Task {
            _ = try? await NamespaceThread.run {
                Self.readLoop(fd: fd, continuation: continuation)
                state.withLock { s in
                    s.closed = true
                    Glibc.close(s.fd)
                }
            }
            continuation.finish()
        }
    }

    private static func readLoop(fd: Int32, continuation: AsyncStream<Chunk>.Continuation) {
        // conmon's packets are at most its buffer (8 KiB) plus the stream byte.
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                return
            }
            if n == 0 { return }
            // conmon names its pipes STDIN_PIPE 1, STDOUT_PIPE 2, STDERR_PIPE 3.
            guard n > 1, buffer[0] == 2 || buffer[0] == 3 else { continue }
            let stream: LogLine.Stream = buffer[0] == 3 ? .stderr : .stdout
            if case .terminated = continuation.yield((stream, Array(buffer[1..<n]))) { return }
        }
    }

    /// Writes `bytes` to the container's stdin, waiting (off the cooperative pool) for room.
    public func write(_ bytes: [UInt8]) async throws {
        var rest = bytes[...]
        while !rest.isEmpty {
            let result: (sent: Int, errno: Int32)? = state.withLock { s in
                guard !s.closed else { return nil }
                let n = rest.withUnsafeBytes { send(s.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT | MSG_NOSIGNAL)) }
                return (n, n < 0 ? errno : 0)
            }
            guard let result else { throw RuntimeError.system(call: "send", path: "attach socket", errno: EPIPE) }
            if result.sent >= 0 {
                rest = rest.dropFirst(result.sent)
            } else if result.errno == EAGAIN || result.errno == EWOULDBLOCK {
                try await waitWritable()
            } else if result.errno != EINTR {
                throw RuntimeError.system(call: "send", path: "attach socket", errno: result.errno)
            }
        }
    }

    private func waitWritable() async throws {
        let state = self.state
        try await NIOThreadPool.singleton.runIfActive {
            let fd = state.withLock { $0.closed ? -1 : $0.fd }
            guard fd >= 0 else { return }
            var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            _ = poll(&p, 1, 100)
        }
    }

    /// Ends the input only: conmon sees the end of this client's stdin and, for a container started
    /// without `--leave-stdin-open` (`StdinOnce`), closes the container's stdin. Output keeps coming.
    public func closeInput() {
        state.withLock { s in
            if !s.closed { _ = shutdown(s.fd, Int32(SHUT_WR)) }
        }
    }

    /// Ends the connection: the output stream finishes and further writes fail. The container
    /// keeps running (conmon is started with `--leave-stdin-open`).
    public func close() {
        state.withLock { s in
            if !s.closed { _ = shutdown(s.fd, Int32(SHUT_RDWR)) }
        }
    }

    deinit {
        state.withLock { s in
            if !s.closed { _ = shutdown(s.fd, Int32(SHUT_RDWR)) }
        }
    }
}
