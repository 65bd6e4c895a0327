/// A port the user asked to publish (`HostConfig.PortBindings` entry): the container port and
/// protocol, and a host address and port or port range, each possibly empty (any address, a
/// port of Berth's choosing).
public struct PortBindingRequest: Codable, Hashable, Sendable {
    public var containerPort: Int
    public var proto: PortProtocol
    /// `""` (every address), or an IPv4/IPv6 address.
    public var hostIP: String
    /// `""` (any free port), `"8080"`, or a range `"8000-8010"` of which Berth takes one free port.
    public var hostPort: String

    public init(containerPort: Int, proto: PortProtocol, hostIP: String = "", hostPort: String = "") {
        self.containerPort = containerPort
        self.proto = proto
        self.hostIP = hostIP
        self.hostPort = hostPort
    }

    /// `80/tcp`.
    public var portKey: String { "\(containerPort)/\(proto.rawValue)" }

    /// The host port range asked for; nil when Berth picks from the ephemeral range.
    public var hostPortRange: ClosedRange<Int>? {
        PortSpec.range(hostPort)
    }
}

/// Parsing of the port texts dockerd accepts (`80`, `80/udp`, `8000-8010`), with its messages.
public enum PortSpec {
    /// Parses `port[/proto]` as a key of `ExposedPorts` or `PortBindings`; the protocol defaults to tcp.
    public static func key(_ text: String) throws(BerthError) -> (port: Int, proto: PortProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let protoText = parts.count > 1 ? parts[1].lowercased() : "tcp"
        guard let proto = PortProtocol(rawValue: protoText) else {
            throw .invalidArgument("invalid proto: \(parts[1])")
        }
        guard let port = Int(parts[0]), (1...65535).contains(port) else {
            throw .invalidArgument("invalid port specification: \"\(parts[0])\"")
        }
        return (port, proto)
    }

    /// `80` or `8000-8010` as written, each bound 0–65535 and in order; nil when malformed.
    public static func parseRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let lo = Int(parts[0]), (0...65535).contains(lo) else { return nil }
        let hi = parts.count > 1 ? Int(parts[1]) : lo
        guard let hi, hi >= lo, hi <= 65535 else { return nil }
        return lo...hi
    }

    /// The host ports a `HostPort` text allows: `8080` or `8000-8010`; nil for `""`, `0` (any
    /// port) or invalid text (use `validateHostPort`). Port 0 never starts a range of its own.
    public static func range(_ text: String) -> ClosedRange<Int>? {
        guard let r = parseRange(text), r.upperBound != 0 else { return nil }
        return max(r.lowerBound, 1)...r.upperBound
    }

    /// A host address as it stands before `:port`: IPv6 in brackets (`[::]`), IPv4 as it is.
    public static func hostForPort(_ ip: String) -> String {
        ip.contains(":") ? "[\(ip)]" : ip
    }

    /// dockerd's check of a `HostPort`: empty, a port, or a range, else `invalid port specification`.
    public static func validateHostPort(_ text: String) throws(BerthError) {
        if text.isEmpty { return }
        let parts = text.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        for p in parts where Int(p).map({ !(0...65535).contains($0) }) ?? true {
            throw .invalidArgument("invalid port specification: \"\(text)\"")
        }
        if parts.count == 2, let lo = Int(parts[0]), let hi = Int(parts[1]), hi < lo {
            throw .invalidArgument("invalid port specification: \"\(text)\"")
        }
    }
}
