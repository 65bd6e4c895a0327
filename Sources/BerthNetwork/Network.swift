import BerthCore
import BerthIPAM
import BerthStore

/// A network the controller knows: its persisted configuration plus typed views of it.
public struct Network: Sendable, Equatable {
    public var record: NetworkRecord
    /// The subnets as IPAM assigned them (gateway always known).
    public var subnets: [SubnetConfig]

    public init(record: NetworkRecord, subnets: [SubnetConfig]) {
        self.record = record
        self.subnets = subnets
    }

    /// Rebuilds typed subnets from a stored record; malformed stored entries are skipped.
    public init(record: NetworkRecord) {
        self.record = record
        subnets = record.subnets.compactMap { s in
            guard let subnet = CIDR(s.subnet), let gw = s.gateway.flatMap(IPAddress.init) else { return nil }
            var aux: [String: IPAddress] = [:]
            for (k, v) in s.auxAddresses { if let a = IPAddress(v) { aux[k] = a } }
            return SubnetConfig(subnet: subnet, ipRange: s.ipRange.flatMap(CIDR.init), gateway: gw, auxAddresses: aux)
        }
    }

    public var id: String { record.id }
    public var name: String { record.name }
    public var driver: String { record.driver }

    /// The Linux bridge device of a bridge network: the `com.docker.network.bridge.name`
    /// option, else `br-` and the first 12 characters of the id, as dockerd names them.
    public var bridgeName: String {
        record.options[BridgeOptions.name] ?? "br-" + Identifier.short(record.id)
    }

    /// Whether containers on this network find each other by name through the embedded DNS: every
    /// network but the predefined ones (the default bridge, host, none), as in dockerd.
    public var hasEmbeddedDNS: Bool {
        driver != "host" && driver != "null" && record.options[BridgeOptions.defaultBridge] != "true"
    }

    /// The MTU from `com.docker.network.driver.mtu`, nil when unset.
    public var mtu: Int? { record.options[BridgeOptions.mtu].flatMap { Int($0) } }
}

/// The option keys of the bridge driver (dockerd's spelling).
public enum BridgeOptions {
    public static let name = "com.docker.network.bridge.name"
    public static let defaultBridge = "com.docker.network.bridge.default_bridge"
    public static let enableICC = "com.docker.network.bridge.enable_icc"
    public static let enableIPMasquerade = "com.docker.network.bridge.enable_ip_masquerade"
    public static let hostBindingIPv4 = "com.docker.network.bridge.host_binding_ipv4"
    public static let mtu = "com.docker.network.driver.mtu"
    public static let inhibitIPv4 = "com.docker.network.bridge.inhibit_ipv4"
    public static let containerInterfacePrefix = "com.docker.network.container_iface_prefix"
}
