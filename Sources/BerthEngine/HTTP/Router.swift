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
        /// Where the `{name...}` segment is, if the template has one.
        var catchAll: Int?

        /// The path parameters when `parts` (still percent-encoded) fit the template, else nil.
        ///
        /// A `{name...}` segment takes one or more whole segments, as many as the fixed segments
        /// after it leave (gorilla/mux's `{name:.*}`, which dockerd uses for image names such as
        /// `localhost:5000/team/app:1`); each is decoded, then they are joined with `/`.
        func match(_ parts: [String]) -> [String: String]? {
            guard let rest = catchAll else {
                guard parts.count == segments.count else { return nil }
                return Router.bind(segments, to: parts[...])
            }
            let tail = segments.count - rest - 1
            guard parts.count >= segments.count,
                  var params = Router.bind(Array(segments[..<rest]), to: parts[..<rest]),
                  let after = Router.bind(Array(segments[(rest + 1)...]), to: parts[(parts.count - tail)...])
            else { return nil }
            params.merge(after) { a, _ in a }
            let name = String(segments[rest].dropFirst().dropLast(4))
            params[name] = parts[rest..<(parts.count - tail)].map { $0.removingPercentEncoding ?? $0 }.joined(separator: "/")
            return params
        }
    }

    private var routes: [Route] = []

    public init() {}

    /// Adds a route; `{name}` segments become `request.params[name]`. At most one `{name...}`
    /// segment may take the rest of the path up to the fixed segments after it
    /// (`/images/{name...}/json`). Routes are tried in the order they were added.
    public mutating func add(_ methods: Set<String>, _ template: String, _ handler: @escaping Handler) {
        let segments = template.split(separator: "/").map(String.init)
        routes.append(Route(
            methods: methods, segments: segments, handler: handler,
            catchAll: segments.firstIndex { $0.hasPrefix("{") && $0.hasSuffix("...}") }))
    }

    /// Finds the handler for a request, with dockerd's 404 and 405 answers when none fits.
    public func route(_ request: APIRequest) async -> APIResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        var pathMatched = false
        for r in routes {
            guard let params = r.match(parts) else { continue }
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

    /// Matches fixed segments literally and binds `{name}` ones (decoded); nil on a mismatch.
    private static func bind(_ template: [String], to parts: ArraySlice<String>) -> [String: String]? {
        var params: [String: String] = [:]
        for (t, p) in zip(template, parts) {
            if t.hasPrefix("{") && t.hasSuffix("}") {
                params[String(t.dropFirst().dropLast())] = p.removingPercentEncoding ?? p
            } else if t != p {
                return nil
            }
        }
        return params
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
