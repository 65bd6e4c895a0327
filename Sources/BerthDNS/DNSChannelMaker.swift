import NIOCore
import NIOPosix

/// UDP channel options of every server: read up to 32 queries per wake-up with one `recvmmsg`
/// (the replies of a batch leave with one `sendmmsg`, see `DNSUDPServerHandler`).
extension DatagramBootstrap {
    func dnsServerOptions() -> DatagramBootstrap {
        channelOption(.datagramVectorReadMessageCount, value: 32)
            .channelOption(.maxMessagesPerRead, value: 4)
    }
}

/// The listening sockets of a `DNSServer`, one UDP and one TCP.
public struct DNSListeners: Sendable {
    public var udp: any Channel
    public var tcp: any Channel

    public init(udp: any Channel, tcp: any Channel) {
        self.udp = udp
        self.tcp = tcp
    }
}

/// The seam that opens a server's sockets. Kept apart from the server so that a container's listeners can be
/// created inside its network namespace on a thread Berth owns (a socket stays bound to the namespace it was
/// created in) and handed to NIO with `withBoundSocket`, while tests bind plain loopback ports.
public protocol DNSChannelMaker: Sendable {
    /// Opens the UDP socket with `udpInitializer` and the TCP listener whose accepted children get
    /// `tcpChildInitializer`.
    func makeChannels(group: any EventLoopGroup,
                      udpInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>,
                      tcpChildInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>)
        async throws -> DNSListeners
}

/// Binds UDP and TCP in the caller's namespace. With port 0 the TCP listener takes the port the kernel chose
/// for UDP when it is free, so one port serves both, as with dockerd's 127.0.0.11 listeners.
public struct DNSBindingChannelMaker: DNSChannelMaker {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public func makeChannels(group: any EventLoopGroup,
                             udpInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>,
                             tcpChildInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>)
        async throws -> DNSListeners {
        let tcpBootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer(tcpChildInitializer)
        // With port 0, the TCP listener wants the port the kernel chose for UDP; another TCP
        // socket may hold it, so a few fresh pairs are tried before settling for two ports.
        let attempts = port == 0 ? 8 : 1
        for attempt in 1...attempts {
            let udp = try await DatagramBootstrap(group: group).dnsServerOptions()
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelInitializer(udpInitializer)
                .bind(host: host, port: port).get()
            let udpPort = udp.localAddress?.port ?? port
            do {
                let tcp = try await tcpBootstrap.bind(host: host, port: udpPort).get()
                return DNSListeners(udp: udp, tcp: tcp)
            } catch where port == 0 && attempt < attempts {
                try? await udp.close()
                continue
            } catch where port == 0 {
                do {
                    return DNSListeners(udp: udp, tcp: try await tcpBootstrap.bind(host: host, port: 0).get())
                } catch {
                    try? await udp.close()
                    throw error
                }
            } catch {
                try? await udp.close()
                throw error
            }
        }
        throw ChannelError.unknownLocalAddress
    }
}
