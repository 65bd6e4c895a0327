import BerthCore

#if canImport(Glibc)
import Glibc
#endif

/// What went wrong running a container; `description` says what failed and how to fix it, in
/// dockerd's wording where Docker has one. Subprocess failures carry the exit status and the
/// trimmed stderr (`runc kill failed (exit 1): container not running`).
public enum RuntimeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The container spec cannot be run as given; the text names the field.
    case invalidSpec(String)
    /// runc knows no container with this id.
    case notFound(id: String)
    /// runc already has a container with this id.
    case alreadyExists(id: String)
    /// The operation needs a running container (`kill`, `exec`).
    case notRunning(id: String)
    /// `delete` without `force` on a container that has not stopped.
    case stillRunning(id: String)
    /// A helper program is not installed at `path`.
    case missingProgram(path: String, package: String)
    /// `posix_spawn` of `program` failed.
    case spawn(program: String, errno: Int32)
    /// `command` (e.g. `runc create`) exited with `status`; `stderr` is its trimmed error output.
    case commandFailed(command: String, status: Int32, stderr: String)
    /// `command` was killed by `signal`.
    case commandSignaled(command: String, signal: Int32, stderr: String)
    /// conmon reported that creating the container failed; `message` is runc's error.
    case createFailed(id: String, message: String)
    /// conmon went away without reporting what it was asked for (`detail` says what is known).
    case monitorExited(id: String, detail: String)
    /// `operation` did not finish in time.
    case timeout(operation: String)
    /// A system call failed on `path`.
    case system(call: String, path: String, errno: Int32)
    /// A file or reply did not have the expected format.
    case malformed(String)
    /// No cgroup filesystem is mounted in this mount namespace (runc: "no cgroup mount found").
    case cgroupsNotMounted
    /// A feature Berth does not implement yet; `hint` says what works instead.
    case unsupported(String, hint: String)

    public var description: String {
        switch self {
        case .invalidSpec(let what):
            "invalid container configuration: \(what)"
        case .notFound(let id):
            "No such container: \(id)"
        case .alreadyExists(let id):
            "runtime: a container named \(id) already exists; delete it first (runc delete --force \(id))"
        case .notRunning(let id):
            "Container \(id) is not running"
        case .stillRunning(let id):
            "You cannot remove a running container \(id). Stop the container before attempting removal or force remove"
        case .missingProgram(let path, let package):
            "runtime: \(path) is not installed: install it with `apt-get install -y \(package)`"
        case .spawn(let program, let e):
            "runtime: cannot start \(program): \(Self.text(errno: e))"
        case .commandFailed(let command, let status, let stderr):
            "\(command) failed (exit \(status))" + (stderr.isEmpty ? "" : ": \(stderr)")
        case .commandSignaled(let command, let signal, let stderr):
            "\(command) was killed by signal \(signal)" + (stderr.isEmpty ? "" : ": \(stderr)")
        case .createFailed(let id, let message):
            "runtime: creating container \(id) failed: \(message)"
        case .monitorExited(let id, let detail):
            "runtime: conmon for container \(id) exited unexpectedly: \(detail)"
        case .timeout(let operation):
            "runtime: \(operation) timed out"
        case .system(let call, let path, let e):
            "runtime: \(call) \(path) failed: \(Self.text(errno: e))"
        case .malformed(let what):
            "runtime: \(what)"
        case .cgroupsNotMounted:
            "runtime: no cgroup filesystem is mounted at /sys/fs/cgroup in berthd's mount namespace "
                + "(`ip netns exec` remounts /sys without it): mount the hierarchies again "
                + "(`mount -t cgroup2 none /sys/fs/cgroup`, or each v1 hierarchy as /proc/1/mountinfo lists them) "
                + "or start berthd outside `ip netns exec`"
        case .unsupported(let what, let hint):
            "runtime: \(what) is not supported yet; \(hint)"
        }
    }

    /// The boundary error code dockerd would answer with.
    public var code: BerthError.Code {
        switch self {
        case .invalidSpec: .invalidArgument
        case .notFound: .notFound
        case .alreadyExists, .notRunning, .stillRunning: .conflict
        case .unsupported: .notImplemented
        case .missingProgram, .spawn, .commandFailed, .commandSignaled, .createFailed, .monitorExited,
            .timeout, .system, .malformed, .cgroupsNotMounted:
            .internalError
        }
    }

    /// This error as the boundary error, keeping its message.
    public var berthError: BerthError { BerthError(code, description, cause: self) }

    /// The errno of a failed system call or spawn.
    public var errno: Int32? {
        switch self {
        case .spawn(_, let e), .system(_, _, let e): e
        default: nil
        }
    }

    static func text(errno e: Int32) -> String {
        "errno \(e) (\(strerror(e).map { String(cString: $0) } ?? "unknown error"))"
    }
}
