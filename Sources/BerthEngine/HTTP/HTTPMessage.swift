import BerthAPI
import BerthCore

/// A request as handlers see it: path without the version prefix, decoded query, whole body.
public struct APIRequest: Sendable {
    public var method: String
    /// The path after any `/v1.NN` prefix, e.g. `/networks/create`.
    public var path: String
    public var query: [String: [String]]
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The API version the client asked for (the path prefix), or the current one.
    public var version: APIVersion
    /// Path parameters filled by the router (`{id}` → `id`).
    public var params: [String: String] = [:]

    public init(method: String, path: String, query: [String: [String]] = [:], headers: [(String, String)] = [], body: [UInt8] = [], version: APIVersion = .current) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.version = version
    }

    /// The last value of a query parameter.
    public func query(_ key: String) -> String? { query[key]?.last }

    /// `h` and `w` of a resize request (`/containers/{id}/resize`, `/exec/{id}/resize`).
    public func terminalSize() throws(BerthError) -> (height: Int, width: Int) {
        guard let h = query("h").flatMap({ Int($0) }), let w = query("w").flatMap({ Int($0) }), h >= 0, w >= 0 else {
            throw .invalidArgument("invalid resize parameters: h and w must be non-negative integers")
        }
        return (h, w)
    }

    /// dockerd's query booleans: absent is `default`; "", 0, no, false and none are false.
    public func boolQuery(_ key: String, default value: Bool = false) -> Bool {
        guard let v = query(key) else { return value }
        return !["", "0", "no", "false", "none"].contains(v.lowercased())
    }

    /// The body as JSON; an empty body is an error with dockerd's wording.
    public func jsonBody() throws(BerthError) -> JSONValue {
        guard !body.isEmpty else { throw .invalidArgument("request body is empty: expected a JSON object") }
        do { return try JSONParser.parse(body) } catch { throw .invalidArgument("invalid JSON: \(error)") }
    }

    /// The `filters` query parameter.
    public func filters() throws(BerthError) -> Filters {
        do { return try Filters(json: query("filters") ?? "") } catch { throw error.berthError }
    }
}

/// A response before the server adds dockerd's common headers.
public struct APIResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]
    /// The connection is hijacked: `101 UPGRADED`, then `body` as a raw stream, then `hijack`
    /// (if any) with the raw connection, then close.
    public var upgraded = false
    /// Produces the body after the head has gone out (chunked), for answers that take a while
    /// and whose head the client waits for, as dockerd's `/containers/{id}/wait`.
    public var streamedBody: (@Sendable () async -> [UInt8])?
    /// A body written chunk by chunk as the stream yields, until it ends or the client leaves
    /// (`GET /events`).
    public var chunks: (@Sendable () -> AsyncStream<[UInt8]>)?
    /// Runs on the raw connection after `101 UPGRADED` (interactive attach and exec).
    public var hijack: (@Sendable (HijackedConnection) async -> Void)?

    public init(status: Int, headers: [(String, String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// The content type of a container's or exec's output: raw with a terminal, else dockerd's
    /// multiplexed frames.
    public static func streamContentType(tty: Bool) -> String {
        tty ? "application/vnd.docker.raw-stream" : "application/vnd.docker.multiplexed-stream"
    }

    /// A hijacked response carrying a finished stream (`attach` with `logs=1&stream=0`).
    public static func upgradedStream(_ body: [UInt8], contentType: String = "application/vnd.docker.raw-stream") -> APIResponse {
        var r = APIResponse(status: 101, headers: [("Content-Type", contentType)], body: body)
        r.upgraded = true
        return r
    }

    /// A hijacked response that streams both ways: `session` runs on the raw connection, which
    /// closes when it returns.
    public static func hijacked(
        contentType: String, _ session: @escaping @Sendable (HijackedConnection) async -> Void
    ) -> APIResponse {
        var r = APIResponse(status: 101, headers: [("Content-Type", contentType)])
        r.upgraded = true
        r.hijack = session
        return r
    }

    /// A JSON answer whose head is sent at once and whose body follows when `body` returns.
    public static func deferredJSON(_ body: @escaping @Sendable () async -> JSONValue) -> APIResponse {
        var r = APIResponse(status: 200, headers: [("Content-Type", "application/json")])
        r.streamedBody = { Array((await body().rendered() + "\n").utf8) }
        return r
    }

    /// A chunked body whose chunks come from `make()` as they are produced.
    public static func streaming(contentType: String, _ make: @escaping @Sendable () -> AsyncStream<[UInt8]>) -> APIResponse {
        var r = APIResponse(status: 200, headers: [("Content-Type", contentType)])
        r.chunks = make
        return r
    }

    /// A JSON body as dockerd writes it: compact, newline-terminated.
    public static func json(_ value: JSONValue, status: Int = 200) -> APIResponse {
        APIResponse(status: status, headers: [("Content-Type", "application/json")], body: Array((value.rendered() + "\n").utf8))
    }

    /// dockerd's error shape `{"message": "..."}` with the error's status.
    public static func error(_ e: BerthError) -> APIResponse {
        json(.obj(["message": .string(e.message)]), status: e.code.httpStatus)
    }

    public static func noContent() -> APIResponse { APIResponse(status: 204) }
}
