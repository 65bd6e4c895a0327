#if canImport(Glibc)
import Glibc
#endif
import BerthCore

/// The seam at the socket boundary of published ports: a host port is held by a bound socket (no
/// listen, nothing read), so no host process can take a port a container publishes, and a port a
/// host service already uses is refused instead of silently taken over by the DNAT — as dockerd
/// does with docker-proxy, and dockerd 28 without it.
public protocol PortReserver: Sendable {
    /// Binds `ip:port` for `proto` and returns the socket; throws with errno when it cannot.
    func reserve(_ proto: PortProtocol, _ ip: IPAddress, _ port: Int) throws(PortReservationError) -> Int32
    /// Closes a socket `reserve` returned.
    func release(_ socket: Int32)
}

/// Why a host port could not be held.
public struct PortReservationError: Error, Equatable, Sendable {
    public var errno: Int32
    /// dockerd's (docker-proxy's) wording: `listen tcp4 0.0.0.0:22: bind: address already in use`.
    public var message: String
}
