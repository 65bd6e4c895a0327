#if canImport(Glibc)
import Glibc
#endif
import BerthCore

/// Real sockets in the daemon's own namespace (the process's; these calls never block).
public struct LinuxPortReserver: PortReserver {
    public init() {}

    public func reserve(_ proto: PortProtocol, _ ip: IPAddress, _ port: Int) throws(PortReservationError) -> Int32 {
        let v6 = ip.family == .v6
        let kind: Int32 = proto == .udp ? Int32(SOCK_DGRAM.rawValue) : Int32(SOCK_STREAM.rawValue)
        let protocolNumber: Int32 = proto == .sctp ? Int32(IPPROTO_SCTP) : 0
        let fd = socket(v6 ? AF_INET6 : AF_INET, kind | Int32(SOCK_CLOEXEC.rawValue), protocolNumber)
        guard fd >= 0 else { throw Self.error(errno, proto, ip, port) }
        var one: Int32 = 1
        if v6 { _ = setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size)) }
        let rc: Int32
        switch ip {
        case .v4(let a):
            var sa = sockaddr_in()
            sa.sin_family = sa_family_t(AF_INET)
            sa.sin_port = in_port_t(UInt16(port).bigEndian)
            sa.sin_addr.s_addr = a.value.bigEndian
            rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        case .v6(let a):
            var sa = sockaddr_in6()
            sa.sin6_family = sa_family_t(AF_INET6)
            sa.sin6_port = in_port_t(UInt16(port).bigEndian)
            withUnsafeMutableBytes(of: &sa.sin6_addr) { raw in
                for (i, b) in a.bytes.enumerated() { raw[i] = b }
            }
            rc = withUnsafePointer(to: &sa) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw Self.error(e, proto, ip, port)
        }
        return fd
    }

    public func release(_ socket: Int32) { close(socket) }

    static func error(_ e: Int32, _ proto: PortProtocol, _ ip: IPAddress, _ port: Int) -> PortReservationError {
        let text = strerror(e).map { String(cString: $0) }?.lowercased() ?? "errno \(e)"
        let family = ip.family == .v6 ? "6" : "4"
        let host = PortSpec.hostForPort(ip.description)
        return PortReservationError(errno: e, message: "Error starting userland proxy: listen \(proto.rawValue)\(family) \(host):\(port): bind: \(text)")
    }
}
