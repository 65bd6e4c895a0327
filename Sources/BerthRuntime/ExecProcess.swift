/// A command to run in a running container (`docker exec`), non-interactively.
public struct ExecProcess: Equatable, Sendable {
    /// The command and its arguments; not empty.
    public var args: [String]
    /// The full environment (the container's plus `docker exec -e`); `PATH` is added when missing.
    public var env: [String]
    /// Absolute working directory inside the container.
    public var cwd: String
    public var user: ContainerSpec.User
    /// A terminal for the session. Interactive sessions need conmon's exec attach, not supported
    /// yet: `exec` refuses `tty == true` with `RuntimeError.unsupported`.
    public var tty: Bool

    public init(args: [String], env: [String] = [], cwd: String = "/", user: ContainerSpec.User = .root, tty: Bool = false) {
        self.args = args
        self.env = env
        self.cwd = cwd
        self.user = user
        self.tty = tty
    }
}

/// How an exec session ended and what it printed.
public struct ExecResult: Equatable, Sendable {
    /// The exit status, 128 + signal number when a signal ended it (as the shell and dockerd report).
    public var exitCode: Int32
    public var stdout: [UInt8]
    public var stderr: [UInt8]

    public init(exitCode: Int32, stdout: [UInt8] = [], stderr: [UInt8] = []) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
    }

    /// stdout decoded as UTF-8 (invalid bytes replaced).
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    /// stderr decoded as UTF-8 (invalid bytes replaced).
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
