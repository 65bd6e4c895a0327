import BerthCore
import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// A helper program (runc, conmon) started with `posix_spawn`.
///
/// Blocking: spawn, read and wait only on a thread Berth owns (`NamespaceThread.run`), never on
/// the cooperative pool. The child gets exactly the fds it is given: everything else is closed
/// (`closefrom`), its signal mask is empty and every signal handler is back to default, whatever
/// the daemon blocked or ignored.
struct ChildProcess {
    /// How a child ended.
    enum Status: Equatable {
        case exited(Int32)
        case signaled(Int32)

        /// The shell's convention: the exit status, or 128 + signal number.
        var code: Int32 {
            switch self {
            case .exited(let c): c
            case .signaled(let s): 128 + s
            }
        }
    }

    /// What `run` collected.
    struct Output {
        var status: Status
        var stdout: [UInt8]
        var stderr: [UInt8]

        /// stderr as text, surrounding whitespace removed: what errors quote.
        var trimmedStderr: String { Self.trim(stderr) }

        static func trim(_ bytes: [UInt8]) -> String {
            let text = String(decoding: bytes, as: UTF8.self)
            return String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        }
    }

    /// The environment helpers run with: a fixed `PATH`, nothing inherited from the daemon.
    static let baseEnvironment = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]

    /// Most bytes `run` keeps of each output stream; more is read and dropped.
    static let outputLimit = 16 << 20

    let program: String
    let pid: pid_t

    /// Starts `program` (absolute path) with `arguments` (argv[0] excluded).
    ///
    /// - Parameter files: `(childFD, parentFD)` pairs; fd 0, 1 and 2 default to `/dev/null` when
    ///   not given. The parent keeps and closes its own fds.
    /// - Parameter newProcessGroup: start the child in a process group of its own, so a terminal's
    ///   Ctrl-C aimed at the daemon never reaches it.
    static func spawn(
        _ program: String, _ arguments: [String], environment: [String] = baseEnvironment,
        files: [(child: Int32, parent: Int32)] = [], newProcessGroup: Bool = false
    ) throws -> ChildProcess {
        let pid: pid_t
        do {
            pid = try ProcessSpawn.start(program, arguments, environment: environment, files: files, newProcessGroup: newProcessGroup)
        } catch {
            if error.call != "posix_spawn" { throw RuntimeError.system(call: error.call, path: program, errno: error.errno) }
            if error.errno == ENOENT { throw RuntimeError.missingProgram(path: program, package: Self.package(of: program)) }
            throw RuntimeError.spawn(program: program, errno: error.errno)
        }
        return ChildProcess(program: program, pid: pid)
    }

    /// Runs `program` to completion, collecting stdout and stderr.
    ///
    /// Stops reading shortly after the child exits even if a grandchild it left behind still
    /// holds the pipes open (a background job of an exec'd shell).
    static func run(
        _ program: String, _ arguments: [String], environment: [String] = baseEnvironment
    ) throws -> Output {
        let out = try PipePair()
        let err = try PipePair()
        let child: ChildProcess
        do {
            child = try spawn(program, arguments, environment: environment, files: [(1, out.write), (2, err.write)])
        } catch {
            out.closeBoth()
            err.closeBoth()
            throw error
        }
        close(out.write)
        close(err.write)
        defer {
            close(out.read)
            close(err.read)
        }
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var openFDs = [out.read: true, err.read: true]
        var status: Status?
        var quietSinceExit = 0
        var buffer = [UInt8](repeating: 0, count: 65536)
        while openFDs.values.contains(true) {
            var fds = openFDs.filter(\.value).map { pollfd(fd: $0.key, events: Int16(POLLIN), revents: 0) }
            let ready = poll(&fds, nfds_t(fds.count), 50)
            if ready < 0 && errno != EINTR { break }
            var readSomething = false
            for p in fds where p.revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(p.fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    readSomething = true
                    let chunk = buffer[0..<n]
                    if p.fd == out.read {
                        if stdout.count < outputLimit { stdout += chunk.prefix(outputLimit - stdout.count) }
                    } else if stderr.count < outputLimit {
                        stderr += chunk.prefix(outputLimit - stderr.count)
                    }
                } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                    openFDs[p.fd] = false
                }
            }
            if status == nil { status = child.tryWait() }
            if status != nil {
                quietSinceExit = readSomething ? 0 : quietSinceExit + 1
                if quietSinceExit >= 4 { break }
            }
        }
        let final = try status ?? child.wait()
        return Output(status: final, stdout: stdout, stderr: stderr)
    }

    /// Waits for the child to exit (blocking).
    func wait() throws -> Status {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw RuntimeError.system(call: "waitpid", path: program, errno: errno) }
        }
        return Self.decode(status)
    }

    /// The child's status if it has exited, without waiting.
    func tryWait() -> Status? {
        var status: Int32 = 0
        let r = waitpid(pid, &status, WNOHANG)
        return r == pid ? Self.decode(status) : nil
    }

    /// A `waitpid` status as `Status`.
    static func decode(_ status: Int32) -> Status {
        let signal = status & 0x7f
        return signal != 0 ? .signaled(signal) : .exited((status >> 8) & 0xff)
    }

    /// The Debian package that ships a helper, for install hints.
    private static func package(of program: String) -> String {
        let name = program.split(separator: "/").last.map(String.init) ?? program
        return name == "busybox" ? "busybox-static" : name
    }
}
