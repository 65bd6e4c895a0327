import BerthCore

/// Where global networks live in the cluster store (under `--cluster-store`'s prefix):
///
///     networks/<id>           the network's record (JSON), persistent
///     netnames/<name>         <id>: a name is taken once across the cluster
///     vni/<vni>               <id>: a VXLAN id serves one network
///     subnets/<cidr>          <id>: a subnet serves one network (`/` written as `_`)
///     endpoints/<id>/<eid>    an endpoint, on its host's lease
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
