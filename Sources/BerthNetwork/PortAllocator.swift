import BerthCore

/// Host ports taken by published ports, as dockerd's port allocator keeps them: per protocol and
/// address family, a port held on the unspecified address (`0.0.0.0`, `::`) conflicts with the
/// same port on any address of that family, as a socket bind would.
///
/// Pure state, kept by `NetworkController` (an actor); reservations happen before any await.
public struct PortAllocator: Sendable {
    struct Key: Hashable {
        var family: IPFamily
        var proto: PortProtocol
        var port: Int
    }

    /// Holders of each port: host address → owner (an endpoint id).
    private var used: [Key: [String: String]] = [:]
    /// The ports each owner holds, so a release does not walk every held port.
    private var held: [String: [Key]] = [:]
    /// Where the search for a free ephemeral port resumes, per protocol (dockerd hands them out in turn).
    private var cursor: [PortProtocol: Int] = [:]
    /// Ports Berth picks from when none is given (`/proc/sys/net/ipv4/ip_local_port_range`).
    public var ephemeral: ClosedRange<Int>

    public init(ephemeral: ClosedRange<Int> = 32768...60999) {
        self.ephemeral = ephemeral
    }

    /// Whether `port` is free on every one of `hostIPs` for `proto`.
    public func isFree(_ port: Int, proto: PortProtocol, hostIPs: [IPAddress]) -> Bool {
        hostIPs.allSatisfy { ip in
            guard let holders = used[Key(family: ip.family, proto: proto, port: port)] else { return true }
            return ip.value != 0 && holders.keys.allSatisfy { $0 != ip.description && IPAddress($0)?.value != 0 }
        }
    }

    /// Takes one port for `hostIPs`: the one asked for, the first free one of a range, or the
    /// next free ephemeral port. Throws dockerd's messages when none is free.
    public mutating func allocate(
        proto: PortProtocol, hostIPs: [IPAddress], range: ClosedRange<Int>?, owner: String
    ) throws(BerthError) -> Int {
        let port: Int
        if let range, range.count == 1 {
            guard isFree(range.lowerBound, proto: proto, hostIPs: hostIPs) else {
                let shown = hostIPs.first.map(Self.show) ?? "0.0.0.0"
                throw .internalError("Bind for \(shown):\(range.lowerBound) failed: port is already allocated")
            }
            port = range.lowerBound
        } else if let range {
            guard let p = range.first(where: { isFree($0, proto: proto, hostIPs: hostIPs) }) else {
                throw .internalError("Bind for \(hostIPs.first.map(Self.show) ?? "0.0.0.0"):\(range.lowerBound)-\(range.upperBound) failed: all ports are allocated")
            }
            port = p
        } else {
            let start = min(max(cursor[proto] ?? ephemeral.lowerBound, ephemeral.lowerBound), ephemeral.upperBound)
            let lower = ephemeral.lowerBound, count = ephemeral.count
            // From the cursor to the end of the range, then round from its start.
            let candidates = (0..<count).lazy.map { lower + (start - lower + $0) % count }
            guard let p = candidates.first(where: { isFree($0, proto: proto, hostIPs: hostIPs) }) else {
                throw .internalError("no free host port left for \(proto.rawValue) in \(ephemeral.lowerBound)-\(ephemeral.upperBound): all ports are allocated")
            }
            port = p
            cursor[proto] = p == ephemeral.upperBound ? ephemeral.lowerBound : p + 1
        }
        for ip in hostIPs { hold(Key(family: ip.family, proto: proto, port: port), ip.description, owner) }
        return port
    }

    /// Takes ports already programmed (restore at start); conflicts are kept as they are.
    public mutating func restore(_ ports: [PublishedPort], owner: String) {
        for p in ports { hold(Key(family: p.family, proto: p.proto, port: p.hostPort), p.hostIP, owner) }
    }

    private mutating func hold(_ key: Key, _ hostIP: String, _ owner: String) {
        used[key, default: [:]][hostIP] = owner
        held[owner, default: []].append(key)
    }

    /// Frees one port of `owner` on `hostIPs` (a port whose socket could not be bound).
    public mutating func release(_ port: Int, proto: PortProtocol, hostIPs: [IPAddress], owner: String) {
        for ip in hostIPs {
            let key = Key(family: ip.family, proto: proto, port: port)
            if used[key]?[ip.description] == owner { used[key]?[ip.description] = nil }
            if used[key]?.isEmpty == true { used[key] = nil }
            held[owner]?.removeAll { $0 == key }
        }
    }

    /// Frees every port `owner` holds.
    public mutating func release(owner: String) {
        guard let keys = held.removeValue(forKey: owner) else { return }
        for key in keys {
            let rest = (used[key] ?? [:]).filter { $0.value != owner }
            used[key] = rest.isEmpty ? nil : rest
        }
    }

    /// `0.0.0.0` or `[::]` as dockerd shows a host address in its bind errors.
    static func show(_ ip: IPAddress) -> String { PortSpec.hostForPort(ip.description) }
}
