import BerthAPI
import BerthCore

/// Matches method and path templates (`/networks/{id}`) to handlers, after the version
/// prefix has been stripped and checked.
public struct Router: Sendable {
    public typealias Handler = @Sendable (APIRequest) async throws -> APIResponse

    private struct Route: Sendable {
        var methods: Set<String>
        var segments: [String]
        var handler: Handler
    }

    private var routes: [Route] = []

    public init() {}

    /// Adds a route; `{name}` segments become `request.params[name]`.
    public mutating func add(_ methods: Set<String>, _ template: String, _ handler: @escaping Handler) {
        routes.append(Route(methods: methods, segments: template.split(separator: "/").map(String.init), handler: handler))
    }

    /// Finds the handler for a request, with dockerd's 404 and 405 answers when none fits.
    public func route(_ request: APIRequest) async -> APIResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var pathMatched = false
        for r in routes where r.segments.count == parts.count {
            var params: [String: String] = [:]
            var ok = true
            for (t, p) in zip(r.segments, parts) {
                if t.hasPrefix("{") && t.hasSuffix("}") {
                    params[String(t.dropFirst().dropLast())] = p.removingPercentEncoding ?? p
                } else if t != p {
                    ok = false
                    break
                }
            }
            guard ok else { continue }
            pathMatched = true
            guard r.methods.contains(request.method) else { continue }
            var req = request
            req.params = params
            do {
                return try await r.handler(req)
            } catch {
                return .error(BerthError.wrap(error))
            }
        }
        if pathMatched {
            return APIResponse.error(.invalidArgument("method \(request.method) is not allowed on \(request.path)")).with(status: 405)
        }
        return .error(.notFound("page not found"))
    }
}

extension APIResponse {
    func with(status: Int) -> APIResponse {
        var r = self
        r.status = status
        return r
    }
}

extension String {
    /// Decodes `%XX` escapes; nil when an escape is malformed.
    var removingPercentEncoding: String? {
        var out: [UInt8] = []
        var it = Array(utf8)[...]
        while let c = it.popFirst() {
            if c == UInt8(ascii: "%") {
                guard it.count >= 2, let v = UInt8(String(decoding: it.prefix(2), as: UTF8.self), radix: 16) else { return nil }
                out.append(v)
                it = it.dropFirst(2)
            } else {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
