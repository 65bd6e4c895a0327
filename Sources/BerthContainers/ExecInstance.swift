/// A command to run in a running container (`docker exec`), from create to its exit.
public struct ExecInstance: Sendable, Equatable {
    public var id: String
    public var containerID: String
    public var args: [String]
    public var env: [String]
    public var user: String
    public var workingDir: String
    public var tty: Bool
    public var attachStdout: Bool
    public var attachStderr: Bool
    /// The client sends stdin (`docker exec -i`).
    public var attachStdin = false
    public var running = false
    /// nil until the command has finished.
    public var exitCode: Int32?

    public init(id: String, containerID: String, args: [String], env: [String], user: String, workingDir: String, tty: Bool, attachStdout: Bool, attachStderr: Bool) {
        self.id = id
        self.containerID = containerID
        self.args = args
        self.env = env
        self.user = user
        self.workingDir = workingDir
        self.tty = tty
        self.attachStdout = attachStdout
        self.attachStderr = attachStderr
    }
}
