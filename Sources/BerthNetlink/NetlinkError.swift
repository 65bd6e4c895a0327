#if canImport(Glibc)
import Glibc
#endif

/// What went wrong talking to the kernel over rtnetlink.
///
/// errno values stay typed so callers can match them
/// (`catch NetlinkError.kernel(_, EEXIST)`); `description` is written for logs and users.
public enum NetlinkError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The kernel answered `operation` (e.g. `RTM_NEWLINK`) with an error.
    case kernel(operation: String, errno: Int32)
    /// A socket system call (`socket`, `bind`, `sendto`, `recvmsg`...) failed.
    case system(call: String, errno: Int32)
    /// The kernel did not answer `operation` within the socket's receive timeout.
    case timeout(operation: String)
    /// A dump kept changing while it was read (`NLM_F_DUMP_INTR`), even after retrying.
    case dumpInterrupted(operation: String)
    /// Bytes from the kernel that do not parse as rtnetlink; the text says which part.
    case malformed(String)
    /// A value the kernel would refuse, caught before sending (bad interface name, MTU...).
    case invalidArgument(String)

    /// The errno carried by a kernel or system-call failure.
    public var errno: Int32? {
        switch self {
        case .kernel(_, let e), .system(_, let e): e
        case .timeout, .dumpInterrupted, .malformed, .invalidArgument: nil
        }
    }

    public var description: String {
        switch self {
        case .kernel(let operation, let e):
            "netlink: \(operation) failed, errno = \(Self.describe(errno: e))"
        case .system(let call, let e):
            "netlink: \(call) failed, errno = \(Self.describe(errno: e))"
        case .timeout(let operation):
            "netlink: no reply from the kernel to \(operation) (receive timed out)"
        case .dumpInterrupted(let operation):
            "netlink: \(operation) dump was interrupted by concurrent changes, retries exhausted"
        case .malformed(let what):
            "netlink: malformed reply: \(what)"
        case .invalidArgument(let what):
            "netlink: \(what)"
        }
    }

    /// `EEXIST (File exists)`: the symbolic name when known, then the C library's text.
    static func describe(errno e: Int32) -> String {
        let text = strerror(e).map { String(cString: $0) } ?? "unknown error"
        if let name = errnoNames[e] { return "\(name) (\(text))" }
        return "\(e) (\(text))"
    }

    /// Symbolic names of the errno values rtnetlink and sockets actually return. Keys must be
    /// distinct values (Linux aliases ENOTSUP to EOPNOTSUPP and EWOULDBLOCK to EAGAIN).
    private static let errnoNames: [Int32: String] = [
        EPERM: "EPERM", ENOENT: "ENOENT", ESRCH: "ESRCH", EINTR: "EINTR", EIO: "EIO",
        ENXIO: "ENXIO", E2BIG: "E2BIG", EBADF: "EBADF", EAGAIN: "EAGAIN", ENOMEM: "ENOMEM",
        EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY", EEXIST: "EEXIST", EXDEV: "EXDEV",
        ENODEV: "ENODEV", ENOTDIR: "ENOTDIR", EINVAL: "EINVAL", ENFILE: "ENFILE",
        EMFILE: "EMFILE", ENOSPC: "ENOSPC", ERANGE: "ERANGE", ENAMETOOLONG: "ENAMETOOLONG",
        ENOSYS: "ENOSYS", ENOTEMPTY: "ENOTEMPTY", ELOOP: "ELOOP", ENODATA: "ENODATA",
        EPROTO: "EPROTO", EMSGSIZE: "EMSGSIZE", EPROTONOSUPPORT: "EPROTONOSUPPORT",
        EOPNOTSUPP: "EOPNOTSUPP", EAFNOSUPPORT: "EAFNOSUPPORT", EADDRINUSE: "EADDRINUSE",
        EADDRNOTAVAIL: "EADDRNOTAVAIL", ENETDOWN: "ENETDOWN", ENETUNREACH: "ENETUNREACH",
        ENOBUFS: "ENOBUFS", ENOTCONN: "ENOTCONN", ETIMEDOUT: "ETIMEDOUT",
        ECONNREFUSED: "ECONNREFUSED", EHOSTUNREACH: "EHOSTUNREACH",
    ]
}
