/// A container's state as the runtime sees it: runc's state plus the exit code conmon recorded.
public struct RuntimeState: Equatable, Sendable {
    public var id: String
    public var status: RuntimeStatus
    /// The container's init process on the host while it exists (runc reports 0 once stopped).
    public var pid: Int32?
    /// The exit status once stopped, when the monitor wrote one (128 + signal after a signal).
    public var exitCode: Int32?
    /// The bundle directory the container was created from.
    public var bundle: String

    public init(id: String, status: RuntimeStatus, pid: Int32?, exitCode: Int32?, bundle: String) {
        self.id = id
        self.status = status
        self.pid = pid
        self.exitCode = exitCode
        self.bundle = bundle
    }
}

/// The lifecycle of an OCI container: created by `create`, running after `start`, stopped when
/// its init process exits (it stays until `delete`).
public enum RuntimeStatus: String, Equatable, Sendable {
    case created, running, paused, stopped

    /// Maps runc's status words (`creating`, `created`, `running`, `pausing`, `paused`, `stopped`).
    public init?(runcStatus: String) {
        switch runcStatus {
        case "creating", "created": self = .created
        case "running": self = .running
        case "pausing", "paused": self = .paused
        case "stopped": self = .stopped
        default: return nil
        }
    }
}
