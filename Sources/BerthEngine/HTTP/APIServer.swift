#if canImport(Glibc)
import Glibc
#endif
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

    /// The socket's group (0660 root:group); nil leaves it root's only (0660 root:root).
    private let socketGroup: UInt32?

    private let headerTimeout: TimeAmount

    public init(
        socketPath: String, router: Router, logger: Logger, socketGroup: UInt32? = nil, headerTimeout: TimeAmount = .minutes(5),
        ready: (@Sendable () -> Void)? = nil
    ) {
        self.socketGroup = socketGroup
        self.headerTimeout = headerTimeout
        self.socketPath = socketPath
        self.router = router
        self.logger = logger
        self.ready = ready
    }

    public func run() async throws {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            // The system's limit, as Go's listener (dockerd) takes it: bursts of clients queue, not fail.
            .serverChannelOption(.backlog, value: Self.somaxconn)
            // A client may half-close a hijacked stream (the docker CLI does when it has no stdin to
            // send) and still read the container's output: the input ends, the connection stays.
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .bind(unixDomainSocketPath: socketPath, cleanupExistingSocketFile: true) { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(RawWriter(), position: .first)
                    let recorder = InputClosedRecorder(headerTimeout: headerTimeout)
                    try sync.addHandler(recorder, position: .first)
                    // configureHTTPServerPipeline's handlers, but with a request decoder that keeps the
                    // bytes after an upgrade request's head: they are the start of a hijacked stream.
                    try sync.addHandlers([
                        HTTPResponseEncoder(),
                        ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .forwardBytes)),
                        RequestProgress(recorder),
                        HTTPServerPipelineHandler(),
                        NIOHTTPResponseHeadersValidator(),
                        HTTPServerProtocolErrorHandler(),
                    ])
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        // As dockerd: the owner and the group may connect, nobody else.
        guard chown(socketPath, 0, socketGroup ?? 0) == 0, chmod(socketPath, 0o660) == 0 else {
            let e = errno
            try? await server.channel.close()
            throw BerthError.internalError("cannot set the owner and mode of \(socketPath): \(String(cString: strerror(e)))")
        }
        logger.info("API listening", metadata: ["socket": "unix://\(socketPath)", "group": "\(socketGroup.map { String($0) } ?? "root")"])
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

    /// `/proc/sys/net/core/somaxconn`, capped as Go caps it; 4096 when it cannot be read.
    static let somaxconn: Int32 = {
        guard let text = try? String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8),
              let n = Int32(text.filter { !$0.isWhitespace }), n > 0 else { return 4096 }
        return min(n, 65535)
    }()

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
                            try await RawWriter.write(Self.upgradeHead(response), to: channel)
                            if !response.body.isEmpty {
                                // A client that reads the head through a read-ahead buffer and then
                                // switches to the raw socket (docker-py over http.client) loses bytes
                                // that came with the head; dockerd's bodies come later by nature.
                                try? await Task.sleep(for: .milliseconds(20))
                                try await RawWriter.write(response.body, to: channel)
                            }
                            if let session = response.hijack {
                                let raw = try await HijackedConnection.take(channel)
                                // A graceful shutdown closes hijacked connections like idle ones.
                                if connections.idle(channel) { await session(raw) }
                            }
                            return
                        }
                        try await write(response, for: h, to: outbound, on: channel)
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

    private func write(
        _ r: APIResponse, for request: HTTPRequestHead, to out: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>,
        on channel: (any Channel)? = nil
    ) async throws {
        var headers = HTTPHeaders()
        for (k, v) in VersionMiddleware.commonHeaders { headers.add(name: k, value: v) }
        for (k, v) in r.headers { headers.replaceOrAdd(name: k, value: v) }
        headers.add(name: "Date", value: HTTPDate.now())
        if r.streamedBody == nil && r.chunks == nil {
            headers.add(name: "Content-Length", value: String(r.body.count))
        } else {
            headers.add(name: "Transfer-Encoding", value: "chunked")
        }
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: request.version, status: .init(statusCode: r.status), headers: headers)
        try await out.write(.head(head))
        if let make = r.chunks, let channel {
            // Each chunk goes out as it comes; a client hang-up or a graceful shutdown (which closes
            // the connection as if idle) ends the stream.
            let task = Task {
                for await chunk in make() where request.method != .HEAD {
                    do { try await out.write(.body(.byteBuffer(ByteBuffer(bytes: chunk)))) } catch { return }
                }
            }
            channel.closeFuture.whenComplete { _ in task.cancel() }
            if !connections.idle(channel) { task.cancel() }
            await task.value
            connections.busy(channel)
            try await out.write(.end(nil))
            return
        }
        if let produce = r.streamedBody, let channel {
            // The head goes out now (each write flushes); the client may be waiting for it. The
            // body may take as long as a container runs: stop waiting when the client hangs up,
            // and let a graceful shutdown close the connection as if it were idle.
            let task = Task { await produce() }
            channel.closeFuture.whenComplete { _ in task.cancel() }
            if !connections.idle(channel) { task.cancel() }
            let body = await task.value
            connections.busy(channel)
            if request.method != .HEAD && !body.isEmpty {
                try await out.write(.body(.byteBuffer(ByteBuffer(bytes: body))))
            }
            try await out.write(.end(nil))
            return
        }
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
