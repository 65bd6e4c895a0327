import NIOCore
import NIOPosix
import Synchronization

/// Sends queries the resolver does not answer to the upstream servers, like dockerd's `forwardExtDNS`:
/// servers in order, UDP first with a per-server timeout, TCP when the UDP reply is truncated; a reply ends
/// the search (NXDOMAIN included) unless it is SERVFAIL or REFUSED, which move on to the next server.
public final class DNSForwarder: Sendable {
    /// Forwarding settings.
    public struct Configuration: Sendable {
        /// Upstream servers, tried in order (dockerd keeps at most 3).
        public var upstreams: [SocketAddress]
        /// Per-server I/O timeout; dockerd uses 4 s.
        public var timeout: TimeAmount
        /// Concurrent forwards allowed before new ones fail at once (dockerd: 1024).
        public var maxConcurrentForwards: Int

        public init(upstreams: [SocketAddress], timeout: TimeAmount = .seconds(4), maxConcurrentForwards: Int = 1024) {
            self.upstreams = upstreams
            self.timeout = timeout
            self.maxConcurrentForwards = maxConcurrentForwards
        }
    }

    /// The outcome of forwarding one query.
    public enum Outcome: Sendable {
        /// The upstream reply, with the client's id restored. It may have TC set if TCP also failed.
        case reply(ByteBuffer)
        /// No upstream produced a usable reply; `reason` lists what went wrong per server.
        case failed(reason: String)
    }

    public let configuration: Configuration
    private let group: any EventLoopGroup
    private let inFlight = Mutex(0)
    /// The shared UDP socket of each upstream (index in `upstreams`), opened on first use and
    /// replaced when used up or failed.
    private let sockets = Mutex<(open: [Int: Task<DNSUpstreamSocket, any Error>], closed: Bool)>(([:], false))

    public init(configuration: Configuration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.configuration = configuration
        self.group = group
    }

    /// Forwards the raw query bytes (as received from the client) and returns the upstream's reply.
    public func forward(_ query: ByteBuffer) async -> Outcome {
        guard let clientID = query.getInteger(at: query.readerIndex, as: UInt16.self) else {
            return .failed(reason: "query shorter than a header")
        }
        let admitted = inFlight.withLock { count in
            guard count < configuration.maxConcurrentForwards else { return false }
            count += 1
            return true
        }
        guard admitted else { return .failed(reason: "more than \(configuration.maxConcurrentForwards) concurrent queries") }
        defer { inFlight.withLock { $0 -= 1 } }
        guard !configuration.upstreams.isEmpty else { return .failed(reason: "no upstream servers") }

        // A fresh random id per forward (unique among those in flight on the socket), on a source port
        // that changes every few hundred queries, makes off-path spoofing harder.
        var upstreamQuery = query
        upstreamQuery.setInteger(UInt16.random(in: .min ... .max), at: upstreamQuery.readerIndex)
        var reasons: [String] = []
        var fallback: ByteBuffer?
        for (index, server) in configuration.upstreams.enumerated() {
            var reply: ByteBuffer
            do {
                reply = try await exchange(upstreamQuery, index: index, server: server)
                if Self.flags(of: reply) & 0x0200 != 0 {
                    do {
                        reply = try await DNSTransport.tcpExchange(upstreamQuery, server: server,
                                                                   timeout: configuration.timeout, group: group)
                    } catch {
                        reasons.append("\(error)")  // keep the truncated UDP reply; the client retries over TCP
                    }
                }
            } catch {
                reasons.append("\(error)")
                continue
            }
            reply.setInteger(clientID, at: reply.readerIndex)
            let rcode = Self.flags(of: reply) & 0xF
            if rcode == DNSResponseCode.serverFailure.rawValue || rcode == DNSResponseCode.refused.rawValue {
                reasons.append("\(server) answered \(DNSResponseCode(rawValue: rcode))")
                fallback = fallback ?? reply
                continue
            }
            return .reply(reply)
        }
        if let fallback { return .reply(fallback) }
        return .failed(reason: reasons.joined(separator: "; "))
    }

    /// One UDP exchange with upstream `index` through its shared socket (a fresh one when the current
    /// one is used up).
    private func exchange(_ query: ByteBuffer, index: Int, server: SocketAddress) async throws -> ByteBuffer {
        while true {
            if let reply = try await socket(for: index, server: server).exchange(query, timeout: configuration.timeout) {
                return reply
            }
        }
    }

    /// The shared socket for upstream `index`, opening a new one when there is none or it is retired.
    private func socket(for index: Int, server: SocketAddress) async throws -> DNSUpstreamSocket {
        let group = self.group
        while true {
            let task: Task<DNSUpstreamSocket, any Error>? = sockets.withLock { sockets in
                guard !sockets.closed else { return nil }
                if let existing = sockets.open[index] { return existing }
                let fresh = Task { try await DNSUpstreamSocket.open(to: server, group: group) }
                sockets.open[index] = fresh
                return fresh
            }
            // Shut down: no new sockets (a forward still in flight would leak one).
            guard let task else { throw ChannelError.ioOnClosedChannel }
            let socket: DNSUpstreamSocket
            do { socket = try await task.value } catch {
                sockets.withLock { if $0.open[index] == task { $0.open[index] = nil } }
                throw error
            }
            if !socket.isRetired { return socket }
            sockets.withLock { if $0.open[index] == task { $0.open[index] = nil } }
        }
    }

    /// Closes the upstream sockets (the server stops).
    public func shutdown() async {
        let tasks = sockets.withLock { s in
            defer { s = ([:], true) }
            return Array(s.open.values)
        }
        for t in tasks { (try? await t.value)?.close() }
    }

    private static func flags(of message: ByteBuffer) -> UInt16 {
        message.getInteger(at: message.readerIndex + 2, as: UInt16.self) ?? 0
    }
}
