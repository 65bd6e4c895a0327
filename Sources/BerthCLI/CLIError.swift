import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// A failure the CLI reports on stderr as the docker CLI does, then exits with `code`.
public struct CLIError: Error, CustomStringConvertible {
    public var description: String
    public var code: Int32

    public init(_ message: String, code: Int32 = 1) {
        description = message
        self.code = code
    }

    /// The docker CLI's prefix for errors the daemon returned.
    public static func daemon(_ message: String) -> CLIError { CLIError("Error response from daemon: " + message) }
}

/// Writes to stdout and stderr, unbuffered enough for interleaving to read right.
enum Console {
    static func out(_ s: String) {
        print(s)
    }

    static func err(_ s: String) { errRaw(s + "\n") }

    /// Writes to stderr as is (stream payloads carry their own newlines).
    static func errRaw(_ s: String) {
        fflush(nil)
        let bytes = Array(s.utf8)
        var off = 0
        while off < bytes.count {
            let n = bytes[off...].withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            off += n
        }
    }

    /// Reports `error` as the docker CLI does and returns the exit code to use.
    static func fail(_ error: CLIError) -> ExitCode {
        err(error.description)
        return ExitCode(error.code)
    }
}

extension EngineClient.Response {
    /// Throws the daemon's message unless the status is 2xx.
    func check() throws -> EngineClient.Response {
        guard (200..<300).contains(status) else { throw CLIError.daemon(errorMessage) }
        return self
    }
}

extension EngineClient {
    /// `request`, with connection errors turned into CLI errors.
    func call(_ method: String, _ path: String, query: [(String, String)] = [], body: JSONValueBox? = nil) throws -> Response {
        do { return try request(method, path, query: query, body: body?.value) } catch { throw CLIError(error.description) }
    }
}
