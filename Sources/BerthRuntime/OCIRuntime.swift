/// The seam between the engine and whatever runs containers: an OCI runtime (runc) under a
/// per-container monitor (conmon) that outlives the daemon.
///
/// The lifecycle is runc's: `create` sets the container up (namespaces, mounts, cgroup) with its
/// process waiting; `start` runs it; it is `stopped` once that process exits; `delete` removes it.
/// Every call suspends without blocking a Swift concurrency thread.
///
/// `ConmonRuncRuntime` is the real one, `RecordingRuntime` the in-memory test double.
public protocol OCIRuntime: Sendable {
    /// Writes `config.json` for `spec` into `bundle` and creates the container under its monitor.
    ///
    /// - Parameters:
    ///   - bundle: an existing, absolute directory of the caller's; the runtime adds its files there.
    ///   - logPath: where the container's stdout and stderr go (conmon's k8s-file format).
    ///   - exitDirectory: where the monitor writes `<id>` holding the exit status when the container stops.
    /// - Returns: the pid of the container's init process on the host.
    func create(_ spec: ContainerSpec, bundle: String, logPath: String, exitDirectory: String) async throws -> Int32

    /// Runs the process of a created container.
    func start(id: String) async throws

    /// Sends `signal` (e.g. `SIGTERM`) to the container's init process.
    func kill(id: String, signal: Int32) async throws

    /// Removes the container. A running container is refused unless `force`, which kills it
    /// first. Deleting a container that does not exist succeeds.
    func delete(id: String, force: Bool) async throws

    /// The container's current state.
    func state(id: String) async throws -> RuntimeState

    /// Suspends until the container stops and returns its exit status; returns at once if it has.
    func waitExit(id: String) async throws -> Int32

    /// Runs a command inside the running container to completion and collects its output.
    func exec(id: String, process: ExecProcess) async throws -> ExecResult

    /// Everything the container has written to stdout and stderr so far, line by line.
    func logs(id: String) async throws -> [LogLine]

    /// Connects to the running container's stdio (`docker attach`): its output as it comes, and
    /// its stdin when it was created with `openStdin`.
    func attach(id: String) async throws -> AttachSocket
    /// Starts `process` in the container with its stdio streamed (`docker exec -i`, `-it`).
    func execInteractive(id: String, process: ExecProcess) async throws -> any InteractiveExec

    /// Resizes the container's terminal (created with `tty`).
    func resize(id: String, height: Int, width: Int) async throws
}
