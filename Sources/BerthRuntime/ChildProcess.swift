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
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }

        // Move every source above the target range first: dup2 onto a target that is also a later
        // source would clobber it.
        let highest = files.map(\.child).max() ?? 2
        var moved: [(child: Int32, parent: Int32)] = []
        defer { for m in moved { close(m.parent) } }
        for file in files {
            let copy = fcntl(file.parent, F_DUPFD_CLOEXEC, max(highest + 1, 10))
            guard copy >= 0 else { throw RuntimeError.system(call: "fcntl(F_DUPFD_CLOEXEC)", path: program, errno: errno) }
            moved.append((file.child, copy))
        }
        for std: Int32 in 0...2 where !files.contains(where: { $0.child == std }) {
            posix_spawn_file_actions_addopen(&actions, std, "/dev/null", std == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        for m in moved {
            posix_spawn_file_actions_adddup2(&actions, m.parent, m.child)
        }
        if let closeFrom = Self.addCloseFrom {
            _ = closeFrom(&actions, highest + 1)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var allSignals = sigset_t()
        sigfillset(&allSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        var flags = Int32(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)
        if newProcessGroup {
            flags |= Int32(POSIX_SPAWN_SETPGROUP)
            posix_spawnattr_setpgroup(&attributes, 0)
        }
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = ([program] + arguments).map { strdup($0) }
        let envp = environment.map { strdup($0) }
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, program, &actions, &attributes, argv + [nil], envp + [nil])
        guard result == 0 else {
            if result == ENOENT {
                throw RuntimeError.missingProgram(path: program, package: Self.package(of: program))
            }
            throw RuntimeError.spawn(program: program, errno: result)
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

    private static func decode(_ status: Int32) -> Status {
        let signal = status & 0x7f
        return signal != 0 ? .signaled(signal) : .exited((status >> 8) & 0xff)
    }

    /// The Debian package that ships a helper, for install hints.
    private static func package(of program: String) -> String {
        let name = program.split(separator: "/").last.map(String.init) ?? program
        return name == "busybox" ? "busybox-static" : name
    }

    /// glibc 2.34's `posix_spawn_file_actions_addclosefrom_np`, looked up at run time: Swift's
    /// Glibc module hides it behind `_GNU_SOURCE`. Without it (older glibc) only the fds Berth
    /// opens are guaranteed not to leak, since they are all close-on-exec.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}
