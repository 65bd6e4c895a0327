import BerthCore

/// Where global networks live in the cluster store (under `--cluster-store`'s prefix):
///
///     networks/<id>           the network's record (JSON), persistent
///     netnames/<name>         <id>: a name is taken once across the cluster
///     vni/<vni>               <id>: a VXLAN id serves one network
///     subnets/<cidr>          <id>: a subnet serves one network (`/` written as `_`)
///     endpoints/<id>/<eid>    an endpoint (`OverlayPeer`), on its host's lease
///     ipam/<id>/<ip>          "<host> <eid>": the address is taken, on its host's reservation
///                             lease (outlives the host lease, so a host that returns keeps it)
///
/// A create writes the first four in one transaction that holds only if none exists.
public enum OverlayKeys {
    public static let networks = "networks/"
    public static let endpoints = "endpoints/"

    public static func network(_ id: String) -> String { networks + id }
    public static func name(_ name: String) -> String { "netnames/" + name }
    public static func vni(_ vni: Int) -> String { "vni/\(vni)" }
    public static func subnet(_ cidr: String) -> String { "subnets/" + cidr.replacing("/", with: "_") }
    public static func endpoints(of network: String) -> String { endpoints + network + "/" }

    /// The network id of a `networks/<id>` key, nil for any other key.
    public static func networkID(_ key: String) -> String? {
        guard key.hasPrefix(networks) else { return nil }
        let id = String(key.dropFirst(networks.count))
        return id.isEmpty || id.contains("/") ? nil : id
    }
}

extension OverlayKeys {
    public static let addresses = "ipam/"

    public static func endpoint(_ network: String, _ endpoint: String) -> String { endpoints + network + "/" + endpoint }
    /// The key that reserves `ip` on a network across the cluster.
    public static func address(_ network: String, _ ip: IPAddress) -> String { addresses + network + "/" + ip.description }

    /// Network and endpoint ids of an `endpoints/<id>/<eid>` key.
    public static func endpointIDs(_ key: String) -> (network: String, endpoint: String)? {
        ids(key, under: endpoints)
    }

    /// Network id and address of an `ipam/<id>/<ip>` key.
    public static func addressKey(_ key: String) -> (network: String, ip: IPAddress)? {
        guard let (n, text) = ids(key, under: addresses), let ip = IPAddress(text) else { return nil }
        return (n, ip)
    }

    private static func ids(_ key: String, under prefix: String) -> (String, String)? {
        guard key.hasPrefix(prefix) else { return nil }
        let parts = key.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return (String(parts[0]), String(parts[1]))
    }
}
