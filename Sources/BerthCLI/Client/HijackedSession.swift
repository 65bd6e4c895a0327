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

/// dockerd's multiplexed stream, fed in arbitrary pieces: frames of an 8-byte header (stream, 0,
/// 0, 0, big-endian length) and a payload.
struct FrameDemux {
    private var buffer: [UInt8] = []

    mutating func feed(_ bytes: [UInt8]) -> [(stream: UInt8, bytes: [UInt8])] {
        buffer += bytes
        var out: [(UInt8, [UInt8])] = []
        var i = 0
        while i + 8 <= buffer.count {
            let n = Int(buffer[i + 4]) << 24 | Int(buffer[i + 5]) << 16 | Int(buffer[i + 6]) << 8 | Int(buffer[i + 7])
            guard i + 8 + n <= buffer.count else { break }
            out.append((buffer[i], Array(buffer[(i + 8)..<(i + 8 + n)])))
            i += 8 + n
        }
        buffer.removeFirst(i)
        return out
    }
}

/// The controlling terminal's mode and size.
enum Terminal {
    /// Puts `fd` in raw mode; returns what restores it.
    static func makeRaw(_ fd: Int32) -> (() -> Void)? {
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var raw = saved
        cfmakeraw(&raw)
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return nil }
        return { var s = saved; _ = tcsetattr(fd, TCSANOW, &s) }
    }

    /// Rows and columns of the terminal on stdout, if it is one.
    static func size() -> (rows: Int, cols: Int)? {
        var w = winsize()
        guard isatty(1) == 1, ioctl(1, UInt(TIOCGWINSZ), &w) == 0, w.ws_row > 0 else { return nil }
        return (Int(w.ws_row), Int(w.ws_col))
    }
}

/// A detached pthread for the CLI's blocking pumps (the CLI has no event loop).
enum CLIThread {
    private final class Box {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func detach(_ body: @escaping () -> Void) {
        let box = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let box = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
            box.body()
            return nil
        }, box)
        if rc == 0 { pthread_detach(thread) } else { Unmanaged<Box>.fromOpaque(box).release() }
    }
}

extension EngineClient {
    /// What an upgrade request got: the hijacked connection, or the daemon's (error) response.
    enum HijackOutcome {
        case hijacked(HijackedSession)
        case refused(Response)
    }

    /// Sends an upgrade request and, on `101`, returns the hijacked connection.
    func hijack(_ path: String, query: [(String, String)] = [], body: JSONValue? = nil, tty: Bool) throws -> HijackOutcome {
        var target = "/v\(APIVersion.current)" + path
        if !query.isEmpty { target += "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&") }
        let payload = body.map { Array($0.rendered().utf8) } ?? []
        var head = "POST \(target) HTTP/1.1\r\nHost: api\r\nUser-Agent: berth-cli/\(APIVersion.current)\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
        if body != nil { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(payload.count)\r\n\r\n"
        let fd: Int32
        do { fd = try openConnection() } catch { throw CLIError(error.description) }
        guard HijackedSession.sendAll(fd, Array(head.utf8) + payload) else {
            close(fd)
            throw CLIError("error sending the request to \(socketPath)")
        }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        let separator: [UInt8] = [13, 10, 13, 10]
        while !data.indices.contains(where: { data[$0...].starts(with: separator) }) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            data += buffer[0..<n]
        }
        if data.starts(with: Array("HTTP/1.1 101".utf8)), let end = data.indices.first(where: { data[$0...].starts(with: separator) }) {
            return .hijacked(HijackedSession(fd: fd, leftover: Array(data[(end + 4)...]), tty: tty))
        }
        // An error: read the rest of the response and parse it.
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            data += buffer[0..<n]
            if let r = try? Self.parse(data), r.body.count > 0 { break }
        }
        close(fd)
        do { return .refused(try Self.parse(data)) } catch { throw CLIError(error.description) }
    }
}
