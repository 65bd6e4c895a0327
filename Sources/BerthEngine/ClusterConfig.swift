import BerthCluster
import BerthCore

/// `--cluster-store` and `--cluster-advertise`: the etcd that multi-host networks share, and the
/// underlay address other hosts reach this one at (its VXLAN endpoint).
public struct ClusterConfig: Sendable, Equatable {
    public var store: ClusterStoreAddress
    /// The flag as given: an address or an interface, either with an optional `:PORT` that is
    /// only shown (dockerd took one; nothing listens on it).
    public var advertise: String

    /// Seconds a host's lease lasts: how long a host that died stays in the cluster.
    public var leaseTTL = 10
    /// Seconds the addresses of a host that died stay reserved for its return.
    public var reservationTTL = 300

    /// Both flags, or neither; dockerd's message when only the advertise address is given.
    public static func parse(store: String?, advertise: String?) throws(BerthError) -> ClusterConfig? {
        switch (store, advertise) {
        case (nil, nil): return nil
        case (nil, _?):
            throw .invalidArgument("invalid cluster configuration. --cluster-advertise must be accompanied by --cluster-store configuration")
        case (_?, nil):
            throw .invalidArgument("invalid cluster configuration. --cluster-store needs --cluster-advertise: give the address or interface other hosts reach this one at, e.g. --cluster-advertise eth0")
        case (let s?, let a?):
            let address: ClusterStoreAddress
            do { address = try ClusterStoreAddress(parsing: s) } catch { throw .invalidArgument(error.description) }
            guard !a.isEmpty, !Self.split(a).host.isEmpty else {
                throw .invalidArgument("invalid --cluster-advertise \"\(a)\": give an address or interface, e.g. 10.0.0.5 or eth0")
            }
            return ClusterConfig(store: address, advertise: a)
        }
    }

    /// The address or interface part of `--cluster-advertise`, without a port.
    public var advertiseHost: String { Self.split(advertise).host }

    /// The underlay address to advertise: the flag's address, or the first IPv4 (else IPv6)
    /// address of the interface it names, looked up through `addresses`.
    public func resolveAdvertise(addresses: (String) async throws -> [CIDR]?) async throws(BerthError) -> IPAddress {
        let host = advertiseHost
        if let ip = IPAddress(host) { return ip }
        let found: [CIDR]?
        do { found = try await addresses(host) } catch { found = nil }
        guard let found else {
            throw .invalidArgument("invalid --cluster-advertise \(advertise): \(host) is neither an IP address nor an interface of this host; give this host's underlay address or interface, e.g. --cluster-advertise eth0")
        }
        guard let pick = found.first(where: { $0.family == .v4 }) ?? found.first else {
            throw .invalidArgument("invalid --cluster-advertise \(advertise): interface \(host) has no address; give it one or name an address instead")
        }
        return pick.address
    }

    private static func split(_ text: String) -> (host: String, port: String?) {
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let host = String(text[text.index(after: text.startIndex)..<close])
            let rest = text[text.index(after: close)...]
            return (host, rest.hasPrefix(":") ? String(rest.dropFirst()) : nil)
        }
        let colons = text.count { $0 == ":" }
        if colons == 1, let c = text.firstIndex(of: ":") { return (String(text[..<c]), String(text[text.index(after: c)...])) }
        return (text, nil)
    }
}
