import BerthAPI
import BerthCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The Docker Engine API over a unix socket: HTTP/1.1 with keep-alive, one task per connection.
public struct APIServer: Service {
    private let socketPath: String
    private let router: Router
    private let logger: Logger
    /// Largest request body accepted; larger ones get 413 before they are read whole.
    private let maxBody = 64 << 20
    private let ready: (@Sendable () -> Void)?
    private let connections = ConnectionRegistry()

    public init(socketPath: String, router: Router, logger: Logger, ready: (@Sendable () -> Void)? = nil) {
        self.socketPath = socketPath
        self.router = router
        self.logger = logger
        self.ready = ready
    }

    public func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 512)
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RawWriter(), position: .first)
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        logger.info("API listening", metadata: ["socket": "unix://\(socketPath)"])
        ready?()
        try await withGracefulShutdownHandler {
            try await withThrowingDiscardingTaskGroup { group in
                try await server.executeThenClose { connections in
                    for try await connection in connections {
                        group.addTask { await self.serve(connection) }
                    }
                }
            }
        } onGracefulShutdown: {
            server.channel.close(promise: nil)
            connections.shutdown()
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        let channel = connection.channel
        guard connections.opened(channel) else {
            try? await channel.close()
            return
        }
        defer { connections.closed(channel) }
        do {
            try await connection.executeThenClose { inbound, outbound in
                var head: HTTPRequestHead?
                var body: [UInt8] = []
                var tooLarge = false
                for try await part in inbound {
                    switch part {
                    case .head(let h):
                        connections.busy(channel)
                        head = h
                        body.removeAll(keepingCapacity: true)
                        tooLarge = false
                    case .body(let buf):
                        if body.count + buf.readableBytes > maxBody { tooLarge = true } else { body += buf.readableBytesView }
                    case .end:
                        guard let h = head else { continue }
                        let response = tooLarge
                            ? APIResponse.error(.invalidArgument("request body too large")).with(status: 413)
                            : await handle(h, body: body)
                        if response.upgraded {
                            try await RawWriter.write(Self.upgradeHead(response) + response.body, to: channel)
                            return
                        }
                        try await write(response, for: h, to: outbound)
                        if !h.isKeepAlive || !connections.idle(channel) { return }
                        head = nil
                    }
                }
            }
        } catch {
            logger.debug("connection ended: \(error)")
        }
    }

    /// Version checks, routing, and dockerd's common headers.
    func handle(_ head: HTTPRequestHead, body: [UInt8]) async -> APIResponse {
        let (rawPath, query) = Self.splitURI(head.uri)
        guard let (version, path) = VersionMiddleware.split(rawPath) else {
            return .error(.notFound("page not found"))
        }
        if let v = version, let e = VersionMiddleware.check(v) { return .error(e) }
        let method = head.method == .HEAD ? "HEAD" : head.method.rawValue
        let request = APIRequest(
            method: method, path: path, query: query,
            headers: head.headers.map { ($0.name, $0.value) }, body: body, version: version ?? .current)
        let response = await router.route(request)
        if response.status >= 500 {
            logger.error("\(method) \(rawPath) -> \(response.status): \(String(decoding: response.body, as: UTF8.self))")
        } else {
            logger.debug("\(method) \(rawPath) -> \(response.status)")
        }
        return response
    }

    private func write(_ r: APIResponse, for request: HTTPRequestHead, to out: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>) async throws {
        var headers = HTTPHeaders()
        for (k, v) in VersionMiddleware.commonHeaders { headers.add(name: k, value: v) }
        for (k, v) in r.headers { headers.replaceOrAdd(name: k, value: v) }
        headers.add(name: "Date", value: HTTPDate.now())
        headers.add(name: "Content-Length", value: String(r.body.count))
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: .init(statusCode: r.status), headers: headers)
        try await out.write(.head(head))
        if request.method != .HEAD && !r.body.isEmpty {
            try await out.write(.body(.byteBuffer(ByteBuffer(bytes: r.body))))
        }
        try await out.write(.end(nil))
    }

    /// The head of a hijacked response, written raw: after it the connection is a stream.
    static func upgradeHead(_ r: APIResponse) -> [UInt8] {
        var head = "HTTP/1.1 101 UPGRADED\r\n"
        for (k, v) in VersionMiddleware.commonHeaders + r.headers { head += "\(k): \(v)\r\n" }
        head += "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
        return Array(head.utf8)
    }

    /// Splits a request target into its path and decoded query parameters.
    static func splitURI(_ uri: String) -> (String, [String: [String]]) {
        // The path stays encoded: the router decodes each segment, so an escaped '/' or '%'
        // in a name is never read as structure or decoded twice.
        guard let q = uri.firstIndex(of: "?") else { return (uri, [:]) }
        let path = String(uri[..<q])
        var query: [String: [String]] = [:]
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(kv[0]).replacingPlus.removingPercentEncoding ?? String(kv[0])
            let value = kv.count > 1 ? (String(kv[1]).replacingPlus.removingPercentEncoding ?? String(kv[1])) : ""
            query[key, default: []].append(value)
        }
        return (path, query)
    }
}

extension String {
    fileprivate var replacingPlus: String { String(map { $0 == "+" ? " " : $0 }) }
}
