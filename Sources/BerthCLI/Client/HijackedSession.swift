#if canImport(Glibc)
import Glibc
#endif
import BerthAPI

/// A connection the daemon has hijacked (`attach`, `exec start`), pumped to this process's
/// terminal: the container's output to stdout/stderr (demultiplexed unless it has a TTY), and
/// this process's stdin to the container when asked, in raw mode when both ends are terminals.
struct HijackedSession {
    let fd: Int32
    /// Bytes that arrived with the `101` response head.
    let leftover: [UInt8]
    let tty: Bool

    /// Pumps until the daemon ends the output (the container or process exited, or detached).
    func run(stdin: Bool) {
        let restore = tty && stdin && isatty(0) == 1 ? Terminal.makeRaw(0) : nil
        defer { restore?() }
        if stdin {
            let fd = self.fd
            CLIThread.detach {
                var buffer = [UInt8](repeating: 0, count: 32 * 1024)
                while true {
                    let n = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
                    if n < 0 && errno == EINTR { continue }
                    guard n > 0, Self.sendAll(fd, Array(buffer[0..<n])) else { break }
                }
                // The end of our input is the end of the container's (StdinOnce).
                _ = shutdown(fd, Int32(SHUT_WR))
            }
        }
        var demux = FrameDemux()
        var pending = leftover
        var buffer = [UInt8](repeating: 0, count: 32 * 1024)
        while true {
            if !pending.isEmpty {
                if tty { Self.writeAll(1, pending) } else { for (stream, bytes) in demux.feed(pending) { Self.writeAll(stream == 2 ? 2 : 1, bytes) } }
                pending = []
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            pending = Array(buffer[0..<n])
        }
    }

    static func sendAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            off += n
        }
        return true
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return }
            off += n
        }
    }
}
