#if canImport(Glibc)
import Glibc
#endif
import BerthAPI
import BerthCore

/// A minimal Docker Engine API client over a unix socket, for the short-lived `berth` process.
///
/// One request per connection, blocking I/O: the CLI has nothing else to do meanwhile.
public struct EngineClient: Sendable {
    /// A response: status, lower-cased headers, body.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: [UInt8]

        public var json: JSONValue? { try? JSONParser.parse(body) }

        /// dockerd's `{"message": ...}`, or the body text.
        public var errorMessage: String {
            json?["message"]?.stringValue ?? String(decoding: body, as: UTF8.self).trimmingCharacters(in: [" ", "\n"])
        }
    }

    /// Why a request failed before the daemon answered it.
    public struct ConnectionError: Error, CustomStringConvertible {
        public var description: String
    }

    public let socketPath: String
    /// The API version every request names: `DOCKER_API_VERSION` when set, as the docker CLI
    /// honours it, else the newest Berth speaks.
    public let apiVersion: APIVersion

    /// `unix:///run/berth/berth.sock` or a plain path.
    /// `requestedVersion` is `DOCKER_API_VERSION` unless given.
    public init(host: String, requestedVersion: String? = getenv("DOCKER_API_VERSION").map { String(cString: $0) }) throws(ConnectionError) {
        if let text = requestedVersion, !text.isEmpty {
            guard let v = APIVersion(text) else {
                throw ConnectionError(description: "DOCKER_API_VERSION=\(text) is not an API version: give one such as 1.41, or unset it")
            }
            apiVersion = v
        } else {
            apiVersion = .current
        }
        if host.hasPrefix("unix://") {
            socketPath = String(host.dropFirst(7))
        } else if host.hasPrefix("/") {
            socketPath = host
        } else {
            throw ConnectionError(description: "unsupported host \(host): berth talks to berthd over unix sockets, e.g. -H unix:///run/berth/berth.sock")
        }
    }

    /// Sends one request with the API version prefix and returns the daemon's response.
    public func request(_ method: String, _ path: String, query: [(String, String)] = [], body: JSONValue? = nil) throws(ConnectionError) -> Response {
        var target = "/v\(apiVersion)" + path
        if !query.isEmpty {
            target += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        let payload = body.map { Array($0.rendered().utf8) } ?? []
        var head = "\(method) \(target) HTTP/1.1\r\nHost: api\r\nUser-Agent: berth-cli/\(apiVersion)\r\nConnection: close\r\n"
        if body != nil { head += "Content-Type: application/json\r\n" }
        head += "Content-Length: \(payload.count)\r\n\r\n"
        let fd = try openConnection()
        defer { close(fd) }
        try sendAll(fd, Array(head.utf8) + payload)
        var data: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConnectionError(description: "error reading the response from \(socketPath): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            data += buf[0..<n]
        }
        return try Self.parse(data)
    }

    func openConnection() throws(ConnectionError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ConnectionError(description: "socket: \(String(cString: strerror(errno)))") }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = Array(socketPath.utf8)
        guard pathBytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            close(fd)
            throw ConnectionError(description: "socket path too long: \(socketPath)")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { dst in
            for (i, b) in pathBytes.enumerated() { dst[i] = b }
        }
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw ConnectionError(description: "Cannot connect to the Berth daemon at unix://\(socketPath). Is berthd running? (\(String(cString: strerror(e))))")
        }
        return fd
    }

    private func sendAll(_ fd: Int32, _ bytes: [UInt8]) throws(ConnectionError) {
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ConnectionError(description: "error sending the request to \(socketPath): \(String(cString: strerror(errno)))")
            }
            off += n
        }
    }

    /// Parses a whole HTTP/1.1 response (Content-Length, chunked, or read-to-close).
    static func parse(_ data: [UInt8]) throws(ConnectionError) -> Response {
        let sep: [UInt8] = [13, 10, 13, 10]
        guard let end = data.indices.first(where: { data[$0...].starts(with: sep) }) else {
            throw ConnectionError(description: "malformed response from the daemon (no header end)")
        }
        let lines = String(decoding: data[..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else {
            throw ConnectionError(description: "malformed status line from the daemon")
        }
        var headers: [String: String] = [:]
        for l in lines.dropFirst() {
            guard let c = l.firstIndex(of: ":") else { continue }
            headers[l[..<c].lowercased()] = l[l.index(after: c)...].trimmingCharacters(in: [" "])
        }
        var body = Array(data[(end + 4)...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            var out: [UInt8] = []
            var i = 0
            while i < body.count {
                guard let lineEnd = body[i...].firstIndex(of: 13), let size = Int(String(decoding: body[i..<lineEnd], as: UTF8.self).split(separator: ";")[0], radix: 16) else { break }
                if size == 0 { break }
                let start = lineEnd + 2
                guard start + size <= body.count else { break }
                out += body[start..<(start + size)]
                i = start + size + 2
            }
            body = out
        }
        return Response(status: status, headers: headers, body: body)
    }

    private static func escape(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(b))
            default:
                out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

extension String {
    func trimmingCharacters(in set: Set<Character>) -> String {
        String(drop { set.contains($0) }.reversed().drop { set.contains($0) }.reversed())
    }
}
