import BerthCore
import BerthDNS
import BerthFirewall
import Logging
import NIOCore
import NIOPosix

/// The embedded DNS service: one name table shared by every network, and one `DNSServer` per
/// container sandbox that sits on a user-defined network, reachable inside it at `127.0.0.11:53`
/// (libnetwork's per-sandbox resolver).
///
/// Each server's sockets are opened inside the sandbox by `makeChannels` (a thread Berth owns
/// enters the namespace), and `DNSRedirectRules` map port 53 to them there, so a container may run
/// its own DNS service on port 53. Names not known locally are forwarded to the upstreams from the
/// daemon's namespace.
public actor EmbeddedDNS {
    /// Settings of one sandbox's server.
    public struct SandboxSettings: Sendable, Equatable {
        /// The sandbox's namespace file.
        public var sandboxKey: String
        /// The user-defined networks the container is on, in join order.
        public var scope: DNSClientScope
        /// Upstream resolvers (IP addresses, port 53 unless given as `[v6]:port`/`v4:port`); empty
        /// for sandboxes that must not reach outside (answers SERVFAIL for non-local names).
        public var upstreams: [String]

        public init(sandboxKey: String, scope: DNSClientScope, upstreams: [String]) {
            self.sandboxKey = sandboxKey
            self.scope = scope
            self.upstreams = upstreams
        }
    }

    /// Opens a server's listeners for a sandbox; the default opens them inside its namespace.
    public typealias ChannelMakerFactory = @Sendable (_ sandboxKey: String) -> any DNSChannelMaker

    /// The names every server answers from.
    public nonisolated let records: ServiceRecords
    private let resolver: DNSResolver
    private let firewall: any NFTables
    private let group: any EventLoopGroup
    private let makeChannels: ChannelMakerFactory
    private let upstreamTimeout: TimeAmount
    private let logger: Logger
    private var servers: [String: (server: DNSServer, settings: SandboxSettings, ports: (udp: Int, tcp: Int))] = [:]

    public init(
        firewall: any NFTables, group: any EventLoopGroup, logger: Logger, upstreamTimeout: TimeAmount = .seconds(4),
        makeChannels: @escaping ChannelMakerFactory = { DNSNamespaceChannelMaker(namespacePath: $0) }
    ) {
        records = ServiceRecords()
        resolver = DNSResolver(records: records)
        self.firewall = firewall
        self.group = group
        self.makeChannels = makeChannels
        self.upstreamTimeout = upstreamTimeout
        self.logger = logger
    }

    /// Replaces the names a container answers to (one record per user-defined network it is on);
    /// visible to every server at once.
    public nonisolated func setRecords(containerID: String, _ list: [DNSEndpointRecord]) {
        records.remove(containerID: containerID)
        for r in list { records.add(r) }
    }

    /// Starts the sandbox's server, or updates its scope if it runs with the same sandbox and upstreams.
    /// Returns the listeners' ports (inside the sandbox). A failure leaves nothing listening.
    /// `rulesMayExist`: the sandbox may hold redirect rules from before (a daemon restart), which are
    /// then replaced; a new sandbox gets the cheaper plain definition.
    @discardableResult
    public func serve(containerID: String, _ settings: SandboxSettings, rulesMayExist: Bool = false) async throws -> (udp: Int, tcp: Int) {
        var rulesMayExist = rulesMayExist
        if let running = servers[containerID] {
            if running.settings.sandboxKey == settings.sandboxKey && running.settings.upstreams == settings.upstreams {
                running.server.scope = settings.scope
                servers[containerID] = (running.server, settings, running.ports)
                return running.ports
            }
            await stop(containerID: containerID)
            rulesMayExist = rulesMayExist || running.settings.sandboxKey == settings.sandboxKey
        }
        let upstreams = settings.upstreams.compactMap(Self.socketAddress)
        let server = DNSServer(
            resolver: resolver,
            configuration: .init(
                scope: settings.scope,
                forwarder: upstreams.isEmpty ? nil : .init(upstreams: upstreams, timeout: upstreamTimeout)),
            group: group)
        let bound = try await server.start(using: makeChannels(settings.sandboxKey))
        guard let udpPort = bound.udp?.port, let tcpPort = bound.tcp?.port else {
            await server.stop()
            throw BerthError.internalError("dns: listeners in \(settings.sandboxKey) have no port")
        }
        do {
            let rules = DNSRedirectRules(udpPort: udpPort, tcpPort: tcpPort)
            try await firewall.apply(rulesMayExist ? rules.replacing : rules.script, in: .namespace(path: settings.sandboxKey))
        } catch {
            await server.stop()
            throw BerthError.internalError("dns: cannot redirect 127.0.0.11:53 in the container: \(error)", cause: error)
        }
        servers[containerID] = (server, settings, (udpPort, tcpPort))
        logger.debug("embedded dns serving", metadata: [
            "container": "\(Identifier.short(containerID))", "udp": "\(udpPort)", "tcp": "\(tcpPort)",
        ])
        return (udpPort, tcpPort)
    }

    /// Stops the sandbox's server, if any; its redirect rules go with the namespace.
    public func stop(containerID: String) async {
        guard let entry = servers.removeValue(forKey: containerID) else { return }
        await entry.server.stop()
    }

    /// Stops every server (daemon shutdown); the containers keep their rules until the next daemon
    /// replaces them.
    public func stopAll() async {
        for id in Array(servers.keys) { await stop(containerID: id) }
    }

    /// Whether a sandbox's server runs (for tests and inspect).
    public func isServing(containerID: String) -> Bool { servers[containerID] != nil }

    /// `1.2.3.4`, `1.2.3.4:5353`, `::1`, `[::1]:5353` → a socket address (port 53 by default).
    static func socketAddress(_ text: String) -> SocketAddress? {
        var host = text
        var port = 53
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { guard let p = Int(rest.dropFirst()) else { return nil }; port = p }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = String(text[..<colon])
            guard let p = Int(text[text.index(after: colon)...]) else { return nil }
            port = p
        }
        guard IPAddress(host) != nil else { return nil }
        return try? SocketAddress(ipAddress: host, port: port)
    }
}
