#if canImport(Glibc)
import Glibc
#endif

/// Starts helper programs (tar, runc, conmon) with `posix_spawn`, the one way Berth does it.
///
/// The child gets exactly the fds it is given (0, 1 and 2 default to /dev/null; everything else
/// is closed where glibc offers `closefrom`), an empty signal mask and every signal handler back
/// to default, whatever the spawning thread blocked or ignored (Swift's and dispatch's threads
/// block most signals, and a child inherits that). Blocking: call only on a thread Berth owns.
public enum ProcessSpawn {
    /// A system call that failed while starting the program.
    public struct Failure: Error, Equatable, Sendable {
        /// `posix_spawn` or `fcntl(F_DUPFD_CLOEXEC)`.
        public var call: String
        public var errno: Int32
    }

    /// Starts `program` (absolute path) with `arguments` (argv[0] excluded) and returns its pid.
    /// - Parameters:
    ///   - files: `(childFD, parentFD)` pairs; the parent keeps and closes its own fds.
    ///   - newProcessGroup: a process group of its own, so a terminal's Ctrl-C aimed at the
    ///     daemon never reaches the child.
    public static func start(
        _ program: String, _ arguments: [String], environment: [String],
        files: [(child: Int32, parent: Int32)] = [], newProcessGroup: Bool = false
    ) throws(Failure) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }

        // Move every source above the target range first: dup2 onto a target that is also a
        // later source would clobber it.
        let highest = files.map(\.child).max() ?? 2
        var moved: [(child: Int32, parent: Int32)] = []
        defer { for m in moved { close(m.parent) } }
        for file in files {
            let copy = fcntl(file.parent, F_DUPFD_CLOEXEC, max(highest + 1, 10))
            guard copy >= 0 else { throw Failure(call: "fcntl(F_DUPFD_CLOEXEC)", errno: errno) }
            moved.append((file.child, copy))
        }
        for std: Int32 in 0...2 where !files.contains(where: { $0.child == std }) {
            posix_spawn_file_actions_addopen(&actions, std, "/dev/null", std == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        for m in moved { posix_spawn_file_actions_adddup2(&actions, m.parent, m.child) }
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, highest + 1) }

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
        guard result == 0 else { throw Failure(call: "posix_spawn", errno: result) }
        return pid
    }

    // glibc 2.34+ has posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module hides.
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let addCloseFrom: AddCloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")
        else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()
}
