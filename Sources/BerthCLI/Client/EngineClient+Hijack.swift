#if canImport(Glibc)
import Glibc
#endif
import BerthAPI

extension EngineClient {
    /// What an upgrade request got: the hijacked connection, or the daemon's (error) response.
    enum HijackOutcome {
        case hijacked(HijackedSession)
        case refused(Response)
    }

    /// Sends an upgrade request and, on `101`, returns the hijacked connection.
    func hijack(_ path: String, query: [(String, String)] = [], body: JSONValue? = nil, tty: Bool) throws -> HijackOutcome {
        var target = "/v\(apiVersion)" + path
        if !query.isEmpty { target += "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&") }
        let payload = body.map { Array($0.rendered().utf8) } ?? []
        var head = "POST \(target) HTTP/1.1\r\nHost: api\r\nUser-Agent: berth-cli/\(apiVersion)\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n"
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
