import NIOCore
import NIOPosix
import Synchronization

/// The embedded DNS server for one client scope (dockerd runs one per container): answers names from the
/// resolver and forwards the rest, over UDP and TCP.
public final class DNSServer: Sendable {
    /// Server settings.
    public struct Configuration: Sendable {
        /// The networks the served container sees.
        public var scope: DNSClientScope
        /// Where to forward unknown names; nil for internal-only sandboxes (no forwarding).
        public var forwarder: DNSForwarder.Configuration?
        /// Reply SERVFAIL when forwarding fails. dockerd 20.10 sends nothing (clients time out); SERVFAIL
        /// fails fast and is the default here.
        public var answerServerFailure: Bool

        public init(scope: DNSClientScope, forwarder: DNSForwarder.Configuration? = nil, answerServerFailure: Bool = true) {
            self.scope = scope
            self.forwarder = forwarder
            self.answerServerFailure = answerServerFailure
        }
    }

    /// Why the server could not start or stop.
    public enum Error: Swift.Error, CustomStringConvertible {
        case alreadyStarted
        case bindFailed(String)

        public var description: String {
            switch self {
            case .alreadyStarted: "dns: server already started"
            case let .bindFailed(message): "dns: cannot open listeners: \(message)"
            }
        }
    }

    enum State {
        case created
        case starting
        case running(DNSListeners)
        case stopped
    }

    private let processor: DNSQueryProcessor
    private let group: any EventLoopGroup
    private let state = Mutex(State.created)

    public init(resolver: DNSResolver, configuration: Configuration,
                group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.group = group
        self.processor = DNSQueryProcessor(
            resolver: resolver, scope: configuration.scope,
            forwarder: configuration.forwarder.map { DNSForwarder(configuration: $0, group: group) },
            answerServerFailure: configuration.answerServerFailure)
    }

    /// The networks the served container sees; update it when the container connects or disconnects.
    public var scope: DNSClientScope {
        get { processor.scope }
        set { processor.scope = newValue }
    }

    /// Opens the listeners through `maker` and starts answering. Returns the bound (udp, tcp) addresses.
    @discardableResult
    public func start(using maker: any DNSChannelMaker) async throws(Error) -> (udp: SocketAddress?, tcp: SocketAddress?) {
        let mayStart = state.withLock { state in
            guard case .created = state else { return false }
            state = .starting
            return true
        }
        guard mayStart else { throw .alreadyStarted }
        let processor = processor
        do {
            let listeners = try await maker.makeChannels(
                group: group,
                udpInitializer: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(DNSUDPServerHandler(processor: processor))
                    }
                },
                tcpChildInitializer: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(DNSTCPFrameDecoder()))
                        try channel.pipeline.syncOperations.addHandler(DNSTCPServerHandler(processor: processor))
                    }
                })
            state.withLock { $0 = .running(listeners) }
            return (listeners.udp.localAddress, listeners.tcp.localAddress)
        } catch {
            state.withLock { $0 = .created }
            throw .bindFailed("\(error)")
        }
    }

    /// Binds `host:port` in the current namespace (port 0 picks a free port) and starts answering.
    @discardableResult
    public func start(host: String, port: Int) async throws(Error) -> (udp: SocketAddress?, tcp: SocketAddress?) {
        try await start(using: DNSBindingChannelMaker(host: host, port: port))
    }

    /// Closes the listeners; idempotent.
    public func stop() async {
        let listeners: DNSListeners? = state.withLock { state in
            defer { state = .stopped }
            if case let .running(listeners) = state { return listeners }
            return nil
        }
        guard let listeners else { return }
        try? await listeners.udp.close()
        try? await listeners.tcp.close()
        await processor.forwarder?.shutdown()
    }
}
