#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import NIOCore
import NIOPosix

/// Opens a server's sockets inside another network namespace (a container's sandbox), bound to
/// `host` (`127.0.0.11`) on kernel-chosen ports, one port for UDP and TCP when it is free.
///
/// The sockets are created on a thread Berth owns that has entered the namespace (a socket stays
/// in the namespace it was created in); NIO then adopts the bound descriptors with
/// `withBoundSocket`, so no event-loop or Swift concurrency thread ever changes namespace.
public struct DNSNamespaceChannelMaker: DNSChannelMaker {
    /// The namespace file (`<exec-root>/netns/<id12>`).
    public var namespacePath: String
    public var host: String

    public init(namespacePath: String, host: String = "127.0.0.11") {
        self.namespacePath = namespacePath
        self.host = host
    }

    /// Why the sockets could not be opened.
    public struct OpenError: Error, CustomStringConvertible {
        public var description: String
    }

    public func makeChannels(group: any EventLoopGroup,
                             udpInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>,
                             tcpChildInitializer: @escaping @Sendable (any Channel) -> EventLoopFuture<Void>)
        async throws -> DNSListeners {
        let host = host
        let (udpFD, tcpFD) = try await NamespaceThread.run(network: .enterPath(namespacePath)) {
            try Self.openSockets(host: host)
        }
        // Once a descriptor is handed to NIO it is NIO's: it closes it itself when the channel cannot
        // be set up, so only the descriptor not handed over yet is closed here.
        let udp: any Channel
        do {
            udp = try await DatagramBootstrap(group: group).dnsServerOptions().channelInitializer(udpInitializer)
                .withBoundSocket(udpFD).get()
        } catch {
            _ = Glibc.close(tcpFD)
            throw error
        }
        do {
            let tcp = try await ServerBootstrap(group: group).childChannelInitializer(tcpChildInitializer)
                .withBoundSocket(tcpFD).get()
            return DNSListeners(udp: udp, tcp: tcp)
        } catch {
            try? await udp.close()
            throw error
        }
    }

    /// On the namespace thread: a UDP socket on `host:0`, and a listening TCP socket on the same port
    /// when free (else another kernel-chosen port). Non-blocking and close-on-exec, as NIO expects.
    static func openSockets(host: String) throws -> (udp: Int32, tcp: Int32) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            throw OpenError(description: "dns: \(host) is not an IPv4 address")
        }
        let udp = try socketBound(type: Int32(SOCK_DGRAM.rawValue), address: address)
        var bound = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(udp, $0, &length) }
        }
        address.sin_port = bound.sin_port
        let tcp: Int32
        do {
            tcp = try (try? socketBound(type: Int32(SOCK_STREAM.rawValue), address: address))
                ?? socketBound(type: Int32(SOCK_STREAM.rawValue), address: { var a = address; a.sin_port = 0; return a }())
            guard listen(tcp, 128) == 0 else {
                let e = errno
                _ = Glibc.close(tcp)
                throw OpenError(description: "dns: listen: errno \(e)")
            }
        } catch {
            _ = Glibc.close(udp)
            throw error
        }
        return (udp, tcp)
    }

    private static func socketBound(type: Int32, address: sockaddr_in) throws -> Int32 {
        let fd = socket(AF_INET, type | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw OpenError(description: "dns: socket: errno \(errno)") }
        var one: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var a = address
        let rc = withUnsafePointer(to: &a) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            _ = Glibc.close(fd)
            throw OpenError(description: "dns: bind \(address.sin_port.bigEndian): errno \(e)")
        }
        return fd
    }
}
