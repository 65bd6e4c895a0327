/// A process running in a container with its stdio streamed both ways (`docker exec -i`, `-it`).
public protocol InteractiveExec: Sendable {
    /// The process's output as it comes (with a terminal everything is `stdout`); ends when the
    /// process has closed its output.
    var output: AsyncStream<AttachSocket.Chunk> { get }
    /// Writes to the process's stdin (or its terminal).
    func write(_ bytes: [UInt8]) async throws
    /// Ends the process's stdin (without a terminal; with one, the terminal stays).
    func closeInput()
    /// Sets the terminal's size (no-op without a terminal).
    func resize(height: Int, width: Int)
    /// The client went away: ends the process as a terminal hang-up would (SIGHUP, then harder).
    func hangUp()
    /// Waits for the process to exit and returns its exit code.
    func wait() async -> Int32
}
