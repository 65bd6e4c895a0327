#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import Synchronization

/// A test double: hands out fake sockets and refuses ports marked as in use by "host services".
public final class RecordingPortReserver: PortReserver {
    private struct State {
        var held: [Int32: String] = [:]
        var busy: Set<String> = []
        var next: Int32 = 1000
    }

    private let state = Mutex(State())

    public init() {}

    /// Marks `proto ip:port` as used by a host process.
    public func occupy(_ proto: PortProtocol, _ ip: String, _ port: Int) { state.withLock { _ = $0.busy.insert("\(proto.rawValue) \(ip):\(port)") } }

    /// The ports held now, as `tcp 0.0.0.0:8080`.
    public var held: Set<String> { state.withLock { Set($0.held.values) } }

    public func reserve(_ proto: PortProtocol, _ ip: IPAddress, _ port: Int) throws(PortReservationError) -> Int32 {
        let key = "\(proto.rawValue) \(ip):\(port)"
        let result: Int32? = state.withLock { s in
            guard !s.busy.contains(key) else { return nil }
            s.next += 1
            s.held[s.next] = key
            return s.next
        }
        guard let result else { throw LinuxPortReserver.error(EADDRINUSE, proto, ip, port) }
        return result
    }

    public func release(_ socket: Int32) { state.withLock { _ = $0.held.removeValue(forKey: socket) } }
}
