#if canImport(Glibc)
import Glibc
#endif
import BerthCore

/// DHCP over a UDP socket on port 68 opened inside the container's namespace and bound to its
/// interface. The exchange runs on a thread of Berth's own (`NamespaceThread`), never on the
/// cooperative pool: it blocks in `poll` for the server's answers. The client asks for
/// broadcast replies, so it needs no address and no raw socket before its lease.
public struct LinuxDHCPClient: DHCPClient {
    /// How long to wait for each answer, and how many times to ask.
    public var attemptTimeoutMs: Int32
    public var attempts: Int

    public init(attemptTimeoutMs: Int32 = 1000, attempts: Int = 4) {
        self.attemptTimeoutMs = attemptTimeoutMs
        self.attempts = attempts
    }

    static let broadcastAddress = IPv4Address(255, 255, 255, 255)

    public func acquire(namespaceFD: Int32, interface: String, mac: MACAddress, hostname: String?, requested: IPv4Address?) async throws -> DHCPLease {
        let me = self
        return try await NamespaceThread.run(network: .enter(fd: namespaceFD)) { () throws -> DHCPLease in
            let socket = try DHCPSocket(interface: interface)
            defer { socket.close() }
            var server: IPv4Address?
            var offered = requested
            if requested == nil {
                var discover = DHCPMessage(kind: .discover, transactionID: UInt32.random(in: 1...UInt32.max), clientMAC: mac)
                discover.hostname = hostname
                let offer = try me.exchange(socket, discover, to: Self.broadcastAddress, want: [.offer], interface: interface)
                server = offer.serverID
                offered = offer.yourAddress
            }
            var request = DHCPMessage(kind: .request, transactionID: UInt32.random(in: 1...UInt32.max), clientMAC: mac)
            request.requestedAddress = offered
            request.serverID = server
            request.hostname = hostname
            let ack = try me.exchange(socket, request, to: Self.broadcastAddress, want: [.ack, .nak], interface: interface)
            return try me.lease(from: ack, interface: interface)
        }
    }

    public func renew(_ lease: DHCPLease, namespaceFD: Int32, interface: String, mac: MACAddress) async throws -> DHCPLease {
        let me = self
        return try await NamespaceThread.run(network: .enter(fd: namespaceFD)) { () throws -> DHCPLease in
            let socket = try DHCPSocket(interface: interface)
            defer { socket.close() }
            var request = DHCPMessage(kind: .request, transactionID: UInt32.random(in: 1...UInt32.max), clientMAC: mac)
            request.clientAddress = lease.address
            request.broadcast = false
            let ack = try me.exchange(socket, request, to: lease.server, want: [.ack, .nak], interface: interface)
            return try me.lease(from: ack, interface: interface)
        }
    }

    public func release(_ lease: DHCPLease, namespaceFD: Int32, interface: String, mac: MACAddress) async {
        _ = try? await NamespaceThread.run(network: .enter(fd: namespaceFD)) { () throws in
            let socket = try DHCPSocket(interface: interface)
            defer { socket.close() }
            var release = DHCPMessage(kind: .release, transactionID: UInt32.random(in: 1...UInt32.max), clientMAC: mac)
            release.clientAddress = lease.address
            release.serverID = lease.server
            release.broadcast = false
            // Broadcast, not unicast to the server: the interface is deleted right after, and a
            // unicast waiting for ARP would be dropped with it. Servers take it either way.
            try socket.send(release.encoded(), to: Self.broadcastAddress)
        }
    }

    private func lease(from reply: DHCPMessage, interface: String) throws -> DHCPLease {
        if reply.kind == .nak {
            throw DHCPError("the DHCP server \(reply.serverID?.description ?? "") refused the request on \(interface) (DHCPNAK)")
        }
        guard let lease = DHCPLease(ack: reply) else {
            throw DHCPError("the DHCP server's DHCPACK on \(interface) has no address or no server identifier")
        }
        return lease
    }

    /// Sends `message` until a reply of a wanted kind with its transaction id arrives.
    private func exchange(_ socket: DHCPSocket, _ message: DHCPMessage, to: IPv4Address, want: Set<DHCPMessage.Kind>, interface: String) throws -> DHCPMessage {
        let bytes = message.encoded()
        for _ in 0..<attempts {
            try socket.send(bytes, to: to)
            let deadline = Self.nowMs() + Int64(attemptTimeoutMs)
            while Self.nowMs() < deadline {
                guard let data = try socket.receive(timeoutMs: Int32(max(1, deadline - Self.nowMs()))) else { break }
                guard let reply = try? DHCPMessage.decode(data), reply.transactionID == message.transactionID,
                      reply.clientMAC == message.clientMAC, want.contains(reply.kind) else { continue }
                return reply
            }
        }
        let what = message.kind == .discover ? "DHCPDISCOVER" : "DHCPREQUEST"
        throw DHCPError("no DHCP server answered on \(interface) (\(what) sent \(attempts) times, \(attemptTimeoutMs) ms apart); check that the network's parent reaches a DHCP server")
    }

    static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

/// A UDP socket on 0.0.0.0:68 bound to one interface, allowed to broadcast.
struct DHCPSocket {
    let fd: Int32

    init(interface: String) throws {
        fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw DHCPError("cannot open a DHCP socket: errno \(errno)") }
        var one: Int32 = 1
        let size = socklen_t(MemoryLayout<Int32>.size)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, size)
        setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, size)
        let bound = interface.withCString { setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, $0, socklen_t(strlen($0) + 1)) }
        guard bound == 0 else {
            let e = errno
            Glibc.close(fd)
            throw DHCPError("cannot bind the DHCP socket to \(interface): errno \(e)")
        }
        var address = Self.socketAddress(IPv4Address(0), port: 68)
        let ok = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard ok == 0 else {
            let e = errno
            Glibc.close(fd)
            throw DHCPError("cannot bind the DHCP client port 68 on \(interface): errno \(e)")
        }
    }

    static func socketAddress(_ a: IPv4Address, port: UInt16) -> sockaddr_in {
        var s = sockaddr_in()
        s.sin_family = sa_family_t(AF_INET)
        s.sin_port = port.bigEndian
        s.sin_addr.s_addr = a.value.bigEndian
        return s
    }

    func send(_ bytes: [UInt8], to: IPv4Address) throws {
        var address = Self.socketAddress(to, port: 67)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, buffer.baseAddress, buffer.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard sent == bytes.count else { throw DHCPError("cannot send a DHCP message to \(to): errno \(errno)") }
    }

    /// The next datagram, or nil after `timeoutMs` without one.
    func receive(timeoutMs: Int32) throws -> [UInt8]? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let n = poll(&p, 1, timeoutMs)
        guard n > 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 1500)
        let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard got > 0 else { return nil }
        return Array(buffer.prefix(got))
    }

    func close() { Glibc.close(fd) }
}
