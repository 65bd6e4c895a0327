#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import CBerth
import Synchronization

/// `runc exec` in the foreground, its stdio streamed: with a terminal, runc's stdio is a terminal
/// whose master berthd holds (see `startWithTerminal`); without one, the process's stdin, stdout
/// and stderr are pipes to berthd. runc exits with the process's exit status, which `wait()` returns.
/// Every blocking call (accept, read, write, waitpid) runs on a thread Berth owns.
final class RuncExecSession: InteractiveExec {
    let output: AsyncStream<AttachSocket.Chunk>
    private let continuation: AsyncStream<AttachSocket.Chunk>.Continuation
    private let pid: pid_t
    /// The terminal's master (tty) or the write end of stdin's pipe; -1 once closed.
    private let input: Mutex<Int32>
    private let tty: Bool

    private init(pid: pid_t, input: Int32, tty: Bool) {
        (output, continuation) = AsyncStream.makeStream()
        self.pid = pid
        self.input = Mutex(input)
        self.tty = tty
    }

    /// Starts `runc [global] exec [--tty] --process processFile id`.
    /// `global` carries `--root` and `--log`. Blocking: call on a thread Berth owns.
    static func start(runc: String, global: [String], processFile: String, id: String, tty: Bool) throws -> RuncExecSession {
        if tty { return try startWithTerminal(runc: runc, global: global, processFile: processFile, id: id) }
        var stdin: [Int32] = [-1, -1], stdout: [Int32] = [-1, -1], stderr: [Int32] = [-1, -1]
        guard pipe2(&stdin, O_CLOEXEC) == 0, pipe2(&stdout, O_CLOEXEC) == 0, pipe2(&stderr, O_CLOEXEC) == 0 else {
            throw RuntimeError.system(call: "pipe2", path: "exec", errno: errno)
        }
        let pid: pid_t
        do {
            pid = try ProcessSpawn.start(runc, global + ["exec", "--process", processFile, id], environment: ChildProcess.baseEnvironment,
                                         files: [(0, stdin[0]), (1, stdout[1]), (2, stderr[1])], newProcessGroup: true)
        } catch {
            for fd in stdin + stdout + stderr { Glibc.close(fd) }
            throw RuntimeError.system(call: error.call, path: runc, errno: error.errno)
        }
        Glibc.close(stdin[0]); Glibc.close(stdout[1]); Glibc.close(stderr[1])
        let session = RuncExecSession(pid: pid, input: stdin[1], tty: false)
        session.pump([(stdout[0], .stdout), (stderr[0], .stderr)])
        return session
    }

    /// With a terminal: runc (in the foreground) makes the container's terminal and copies it to its
    /// own stdio, which is the slave of a terminal pair made here; berthd holds the master. runc sets
    /// that slave raw, so bytes pass unchanged, and follows its size on SIGWINCH (`resize`).
    /// (`--console-socket` would hand the container's master over directly, but runc accepts it only
    /// with `--detach`, and a detached process's exit status is lost.)
    private static func startWithTerminal(runc: String, global: [String], processFile: String, id: String) throws -> RuncExecSession {
        let master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard master >= 0 else { throw RuntimeError.system(call: "posix_openpt", path: "/dev/ptmx", errno: errno) }
        var name = [CChar](repeating: 0, count: 128)
        guard grantpt(master) == 0, unlockpt(master) == 0, ptsname_r(master, &name, name.count) == 0 else {
            let e = errno
            Glibc.close(master)
            throw RuntimeError.system(call: "unlockpt", path: "/dev/ptmx", errno: e)
        }
        var size = winsize(ws_row: 24, ws_col: 80, ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &size)
        let slavePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let slave = Glibc.open(slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slave >= 0 else {
            let e = errno
            Glibc.close(master)
            throw RuntimeError.system(call: "open", path: slavePath, errno: e)
        }
        defer { Glibc.close(slave) }
        let pid: pid_t
        do {
            pid = try ProcessSpawn.start(runc, global + ["exec", "--tty", "--process", processFile, id],
                                         environment: ChildProcess.baseEnvironment, files: [(0, slave), (1, slave), (2, slave)],
                                         newProcessGroup: true)
        } catch {
            Glibc.close(master)
            throw RuntimeError.system(call: error.call, path: runc, errno: error.errno)
        }
        let session = RuncExecSession(pid: pid, input: master, tty: true)
        // The master stays open for writes and resizes; the reader gets its own descriptor.
        session.pump([(dup(master), .stdout)])
        return session
    }

    /// One reader thread per descriptor; the stream ends when all have reached their end (EOF, or
    /// EIO once a terminal's last user is gone).
    private func pump(_ sources: [(fd: Int32, stream: LogLine.Stream)]) {
        let remaining = ReaderCount(sources.count)
        let continuation = self.continuation
        for (fd, stream) in sources {
            Task.detached {
                _ = try? await NamespaceThread.run {
                    var buffer = [UInt8](repeating: 0, count: 32 * 1024)
                    while true {
                        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                        if n < 0 && errno == EINTR { continue }
                        guard n > 0 else { break }
                        continuation.yield((stream, Array(buffer[0..<n])))
                    }
                    Glibc.close(fd)
                }
                if remaining.decrement() == 0 { continuation.finish() }
            }
        }
    }

    func write(_ bytes: [UInt8]) async throws {
        let fd = input.withLock { $0 }
        guard fd >= 0 else { throw RuntimeError.system(call: "write", path: "exec stdin", errno: EPIPE) }
        try await NamespaceThread.run {
            var rest = bytes[...]
            while !rest.isEmpty {
                let n = rest.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw RuntimeError.system(call: "write", path: "exec stdin", errno: errno)
                }
                rest = rest.dropFirst(n)
            }
        }
    }

    func closeInput() {
        // A terminal stays (the process may still write to it); a pipe's end is the process's EOF.
        guard !tty else { return }
        input.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }
    }

    func resize(height: Int, width: Int) {
        guard tty else { return }
        input.withLock { fd in
            guard fd >= 0 else { return }
            var size = winsize(ws_row: UInt16(clamping: height), ws_col: UInt16(clamping: width), ws_xpixel: 0, ws_ypixel: 0)
            _ = ioctl(fd, UInt(TIOCSWINSZ), &size)
            // runc copies its terminal's size to the container's on SIGWINCH.
            _ = kill(pid, SIGWINCH)
        }
    }

    /// SIGHUP (runc forwards it to the process), SIGTERM after 2 s, and after 5 s runc itself is
    /// killed so that `wait` returns even for a process that ignores both.
    func hangUp() {
        let pid = self.pid
        _ = kill(pid, SIGHUP)
        Task.detached {
            try? await Task.sleep(for: .seconds(2))
            _ = kill(pid, SIGTERM)
            try? await Task.sleep(for: .seconds(3))
            _ = kill(pid, SIGKILL)
        }
    }

    func wait() async -> Int32 {
        let pid = self.pid
        let code = (try? await NamespaceThread.run { () -> Int32 in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            return ChildProcess.decode(status).code
        }) ?? 255
        input.withLock { fd in
            if fd >= 0 { Glibc.close(fd) }
            fd = -1
        }
        return code
    }
}

/// How many reader threads of a session are still reading.
private final class ReaderCount: Sendable {
    private let count: Mutex<Int>
    init(_ n: Int) { count = Mutex(n) }
    func decrement() -> Int { count.withLock { $0 -= 1; return $0 } }
}
