/// A transport protocol a port can be published for.
public enum PortProtocol: String, Codable, Hashable, Sendable, CaseIterable, Comparable {
    case tcp, udp, sctp

    public static func < (l: Self, r: Self) -> Bool {
        allCases.firstIndex(of: l)! < allCases.firstIndex(of: r)!
    }
}

/// One published port as it is programmed: host address and port, forwarded to the container's
/// address and port (`0.0.0.0:8080 -> 172.17.0.2:80/tcp`). Stored with the endpoint that carries
/// it, so a daemon restart can rebuild the firewall and the allocator from the store alone.
public struct PublishedPort: Codable, Hashable, Sendable, Comparable {
    public var proto: PortProtocol
    /// `0.0.0.0`, `::` or a specific host address.
    public var hostIP: String
    public var hostPort: Int
    /// The container's address on the network that carries the mapping (no prefix length).
    public var containerIP: String
    public var containerPort: Int

    public init(proto: PortProtocol, hostIP: String, hostPort: Int, containerIP: String, containerPort: Int) {
        self.proto = proto
        self.hostIP = hostIP
        self.hostPort = hostPort
        self.containerIP = containerIP
        self.containerPort = containerPort
    }

    /// `80/tcp`, the key the API uses.
    public var portKey: String { "\(containerPort)/\(proto.rawValue)" }

    /// The host address parsed; nil only for corrupt stored text.
    public var hostAddress: IPAddress? { IPAddress(hostIP) }

    /// The family of the mapping (that of the host address).
    public var family: IPFamily { hostAddress?.family ?? .v4 }

    /// Whether the host side is the unspecified address (every address of its family).
    public var isWildcard: Bool { hostAddress.map { $0.value == 0 } ?? false }

    public static func < (l: Self, r: Self) -> Bool {
        (l.containerPort, l.proto, l.family == .v6 ? 1 : 0, l.hostIP, l.hostPort)
            < (r.containerPort, r.proto, r.family == .v6 ? 1 : 0, r.hostIP, r.hostPort)
    }
}
