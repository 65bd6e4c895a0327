import BerthCore
import CBerth

#if canImport(Glibc)
    import Glibc
#endif

/// A helper program (`tar`, `gzip -dc`) started with `posix_spawn`, its stderr captured in an
/// unlinked scratch file (a pipe could fill up and stall it while we feed its stdin).
///
/// Blocking: spawn, feed and wait only on a thread Berth owns. Started through `ProcessSpawn`
/// (empty signal mask, default handlers, only the given fds).
struct Subprocess {
    /// Why a helper program did not run to success.
    enum Error: Swift.Error, CustomStringConvertible, Equatable, Sendable {
        /// `posix_spawn` failed (the program is missing: ENOENT).
        case spawn(program: String, errno: Int32)
        /// It exited non-zero; `stderr` is its trimmed error output.
        case exited(program: String, status: Int32, stderr: String)
        /// A signal killed it.
        case signaled(program: String, signal: Int32, stderr: String)

        var description: String {
            switch self {
            case .spawn(let p, let e):
                "\(p): cannot start: \(strerror(e).map { String(cString: $0) } ?? "errno \(e)")"
            case .exited(let p, let status, let stderr):
                "\(p) exited with status \(status)" + (stderr.isEmpty ? "" : ": \(stderr)")
            case .signaled(let p, let signal, let stderr):
                "\(p) was killed by signal \(signal)" + (stderr.isEmpty ? "" : ": \(stderr)")
            }
        }
    }

    let program: String
    let pid: pid_t
    private let stderrFD: Int32

    /// Starts `program` with `arguments` (argv[0] excluded), stdin and stdout on the given fds
    /// (the child gets copies; the caller keeps and closes its own). Stderr goes to a scratch
    /// file created, and unlinked at once, in `scratchDirectory`.
    static func spawn(
        _ program: String, _ arguments: [String], stdin: Int32, stdout: Int32, scratchDirectory: String
    ) throws -> Subprocess {
        let errPath = scratchDirectory + "/stderr-" + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        let errFD = open(errPath, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard errFD >= 0 else { throw FileSystem.Error(call: "open", path: errPath, errno: errno) }
        unlink(errPath)

        // LC_ALL=C: byte-wise file names and English messages to pass on.
        let pid: pid_t
        do {
            pid = try ProcessSpawn.start(
                program, arguments, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"],
                files: [(0, stdin), (1, stdout), (2, errFD)])
        } catch {
            close(errFD)
            throw Error.spawn(program: program, errno: error.errno)
        }
        return Subprocess(program: program, pid: pid, stderrFD: errFD)
    }

    /// Waits for the child to exit and throws unless it exited 0.
    func wait() throws(Error) {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { break }
        }
        let stderr = readStderr()
        let signal = status & 0x7f
        if signal != 0 { throw .signaled(program: program, signal: signal, stderr: stderr) }
        let code = (status >> 8) & 0xff
        if code != 0 { throw .exited(program: program, status: code, stderr: stderr) }
    }

    /// The first 4 KiB of what the child wrote to stderr, trimmed; closes the scratch file.
    private func readStderr() -> String {
        defer { close(stderrFD) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = buffer.withUnsafeMutableBytes { pread(stderrFD, $0.baseAddress, $0.count, 0) }
        guard n > 0 else { return "" }
        return String(decoding: buffer[0..<n], as: UTF8.self).trimmingWhitespace
    }

    /// The first of `candidates` that exists and is executable, else the first.
    static func locate(_ candidates: [String]) -> String {
        candidates.first { access($0, X_OK) == 0 } ?? candidates.first ?? "/bin/false"
    }
}
