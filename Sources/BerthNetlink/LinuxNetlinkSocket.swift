import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// An `AF_NETLINK` / `NETLINK_ROUTE` socket.
///
/// The socket belongs to the network namespace of the thread that opened it and keeps
/// talking to that namespace wherever it is used afterwards: open it inside
/// `NamespaceThread.run(network:)` to manage another namespace.
///
/// Blocking and not thread-safe: see `NetlinkSocket`.
public final class LinuxNetlinkSocket: NetlinkSocket {
    public let portID: UInt32
    private let fd: Int32
    /// Receive buffer, grown when a datagram is larger (`MSG_PEEK | MSG_TRUNC` reports its size).
    private var buffer: [UInt8]

    /// The kernel sizes dump datagrams up to 32 KiB after it has seen a buffer that large.
    public static let defaultBufferSize = 64 * 1024

    /// Opens and binds a socket in the calling thread's network namespace.
    ///
    /// - Parameters:
    ///   - receiveTimeout: how long one `recvmsg` may wait for the kernel before the exchange
    ///     fails with `NetlinkError.timeout` instead of hanging a thread forever (`.zero`
    ///     waits forever).
    ///   - bufferSize: the initial receive buffer; it grows to fit any larger datagram.
    public init(receiveTimeout: Duration = .seconds(30), bufferSize: Int = defaultBufferSize) throws {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), NETLINK_ROUTE)
        guard fd >= 0 else {
            throw NetlinkError.system(call: "socket(AF_NETLINK, NETLINK_ROUTE)", errno: errno)
        }
        do {
            try Self.setReceiveTimeout(fd, receiveTimeout)
            portID = try Self.bindToKernelAssignedPort(fd)
        } catch {
            close(fd)
            throw error
        }
        self.fd = fd
        buffer = [UInt8](repeating: 0, count: max(bufferSize, NetlinkMessage.headerSize))
    }

    deinit {
        close(fd)
    }

    // Binding with nl_pid = 0 lets the kernel pick a unique port id; binding getpid() would
    // make a second socket in the same process fail with EADDRINUSE.
    private static func bindToKernelAssignedPort(_ fd: Int32) throws -> UInt32 {
        var address = sockaddr_nl()
        address.nl_family = sa_family_t(AF_NETLINK)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
            }
        }
        guard bound == 0 else { throw NetlinkError.system(call: "bind(AF_NETLINK)", errno: errno) }
        var length = socklen_t(MemoryLayout<sockaddr_nl>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard named == 0 else { throw NetlinkError.system(call: "getsockname(AF_NETLINK)", errno: errno) }
        guard Int(length) >= MemoryLayout<sockaddr_nl>.size, address.nl_family == sa_family_t(AF_NETLINK) else {
            throw NetlinkError.system(call: "getsockname(AF_NETLINK)", errno: EAFNOSUPPORT)
        }
        return address.nl_pid
    }

    private static func setReceiveTimeout(_ fd: Int32, _ timeout: Duration) throws {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(max(seconds, 0)), tv_usec: Int(max(attoseconds, 0) / 1_000_000_000_000))
        let result = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
        guard result == 0 else { throw NetlinkError.system(call: "setsockopt(SO_RCVTIMEO)", errno: errno) }
    }

    public func send(_ datagram: [UInt8]) throws {
        var kernel = sockaddr_nl()
        kernel.nl_family = sa_family_t(AF_NETLINK)
        while true {
            let sent = datagram.withUnsafeBytes { bytes in
                withUnsafePointer(to: &kernel) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(fd, bytes.baseAddress, bytes.count, 0, $0, socklen_t(MemoryLayout<sockaddr_nl>.size))
                    }
                }
            }
            if sent < 0 {
                if errno == EINTR { continue }
                throw NetlinkError.system(call: "sendto(AF_NETLINK)", errno: errno)
            }
            // A datagram goes out whole or not at all; anything else means it did not fit.
            guard sent == datagram.count else { throw NetlinkError.system(call: "sendto(AF_NETLINK)", errno: EMSGSIZE) }
            return
        }
    }

    public func receive() throws -> [UInt8] {
        while true {
            // Learn the size of the next datagram without consuming it, so a large one is
            // never cut short (a truncated netlink datagram is lost for good).
            let size = try receive(flags: MSG_PEEK | MSG_TRUNC, sender: nil)
            if size > buffer.count {
                buffer = [UInt8](repeating: 0, count: NetlinkBytes.aligned(size))
            }
            var sender = sockaddr_nl()
            let count = try receive(flags: 0, sender: &sender)
            // Only the kernel (port 0) answers requests; anything else is not ours to parse.
            guard sender.nl_pid == 0 else { continue }
            return Array(buffer[0..<count])
        }
    }

    private enum ReceiveOutcome {
        case received(Int)
        case truncated
        case failed(Int32)
    }

    /// One `recvmsg`, retried on `EINTR`. Returns the datagram's full length.
    private func receive(flags: Int, sender: UnsafeMutablePointer<sockaddr_nl>?) throws -> Int {
        while true {
            let outcome: ReceiveOutcome = buffer.withUnsafeMutableBytes { bytes in
                var vector = iovec(iov_base: bytes.baseAddress, iov_len: bytes.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_name = UnsafeMutableRawPointer(sender)
                    message.msg_namelen = sender == nil ? 0 : socklen_t(MemoryLayout<sockaddr_nl>.size)
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    let received = recvmsg(fd, &message, Int32(flags))
                    if received < 0 { return .failed(errno) }
                    // Without MSG_TRUNC in the call, a cut datagram still sets it in msg_flags.
                    if flags & MSG_TRUNC == 0, Int(message.msg_flags) & MSG_TRUNC != 0 { return .truncated }
                    return .received(received)
                }
            }
            switch outcome {
            case .received(let length):
                return length
            case .failed(EINTR):
                continue
            case .failed(let e):
                throw NetlinkError.system(call: "recvmsg(AF_NETLINK)", errno: e)
            case .truncated:
                throw NetlinkError.malformed("a datagram larger than the \(buffer.count)-byte buffer was truncated")
            }
        }
    }
}
