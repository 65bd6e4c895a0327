import BerthCluster
import BerthCore
import BerthNetlink
import BerthPlugins
import BerthDNS
import BerthIPAM
import BerthStore
import Logging

/// Owns every network: validation, IPAM, drivers and persistence, in libnetwork's model.
///
/// An actor; each change reserves what it needs (name, subnets, bridge name) synchronously
/// before its first `await`, so interleaved requests can never take the same subnet or name,
/// and it undoes its reservations when a later step fails, leaving nothing half-made.
public actor NetworkController {
    let store: any NetworkStore
    /// Built-in drivers, and plugin drivers as they are first used (NetworkController+Plugins).
    var drivers: [String: any NetworkDriver]
    private let config: NetworkConfig
    let logger: Logger

    var ipam: IPAM
    /// Every network by id; change it through `insert`/`forget` so that the name index follows.
    private(set) var networks: [String: Network] = [:]
    /// Network ids by name (names are not unique through the API), for lookups by name.
    private var idsByName: [String: [String]] = [:]
    /// Names and exclusive devices (bridges) claimed by changes still in flight.
    var pendingNames: Set<String> = []
    var pendingDevices: Set<String> = []
    var removing: Set<String> = []
    /// Endpoints by id, and those whose connect is still in flight (they count as users of
    /// their network, so `network rm` cannot pull the bridge from under a connect).
    var endpoints: [String: EndpointRecord] = [:]
    var pendingEndpoints: [String: EndpointRecord] = [:]
    /// Endpoints whose disconnect is still removing their interface: its name inside the
    /// sandbox stays taken until the kernel has let it go.
    var leavingEndpoints: [String: EndpointRecord] = [:]
    let sandboxes: (any SandboxProvider)?
    /// Where network events go (`GET /events`); nil publishes nothing.
    let events: EventLog?
    /// Berth's nftables table in the daemon's namespace; nil with `--iptables=false`.
    let firewall: HostFirewall?
    /// Host ports held by published ports.
    var portAllocator = PortAllocator()
    /// Binds published host ports (nil: ports are only booked, as in unit tests).
    let portReserver: (any PortReserver)?
    /// The sockets holding each endpoint's published host ports.
    var portSockets: [String: [Int32]] = [:]
    /// Firewall transactions, in the order the controller makes them.
    let firewallQueue = TransactionQueue()
    /// Berth turned IP forwarding on in its namespace (now or at an earlier start): its forward
    /// chain then drops what is routed between non-bridge interfaces.
    var forwardingGuard = false
    /// Networks being created (not yet in `networks`), so a rebuild in the meantime keeps them.
    var pendingNetworks: [String: Network] = [:]
    /// The cluster store of global (overlay) networks, `--cluster-store`; nil: in no cluster.
    var cluster: (any ClusterStore)?
    /// Follows the cluster's networks (NetworkController+Global).
    var clusterSync: Task<Void, Never>?
    /// The cluster revision the global networks were last read at; 0 before the first read.
    var clusterRevision: Int64 = 0
    /// This host's membership: its id, underlay address and leases.
    var clusterHost: ClusterMembership?
    /// Where remote endpoints' names go (the embedded DNS's table); nil: nowhere.
    var clusterRecords: ServiceRecords?
    /// Endpoints of other hosts by network and endpoint id, from the cluster store's watch.
    var remotePeers: [String: [String: OverlayPeer]] = [:]
    /// Addresses reserved in the local IPAM because other hosts have them.
    var clusterHeld: [String: Set<IPAddress>] = [:]
    /// The containers whose remote names are in `clusterRecords`, by network.
    var dnsPublished: [String: Set<String>] = [:]
    /// Legacy plugins (remote network drivers); nil: every unknown driver is "not found".
    var plugins: PluginRegistry?
    /// The daemon namespace's netlink, where plugins make the interfaces they hand over.
    var pluginNetlink: (any RouteNetlink)?

    public init(
        store: any NetworkStore, drivers: [any NetworkDriver], config: NetworkConfig, logger: Logger,
        sandboxes: (any SandboxProvider)? = nil, events: EventLog? = nil, firewall: HostFirewall? = nil,
        portReserver: (any PortReserver)? = nil
    ) {
        self.portReserver = portReserver
        self.store = store
        self.firewall = firewall
        self.events = events
        self.sandboxes = sandboxes
        self.drivers = Dictionary(drivers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        self.config = config
        self.logger = logger
        ipam = IPAM(pools4: config.pools4, pools6: config.pools6)
    }

    // MARK: start

    /// Loads the store, makes the predefined networks, and reconciles the kernel with the store.
    public func start() async throws {
        if ipam.pools6.isEmpty { ipam.pools6 = [try await ulaPool()] }
        var loaded = try await store.networks().map(Network.init(record:))
        for n in loaded { ipam.restore(networkID: n.id, configs: n.subnets) }
        loaded = try await ensurePredefined(loaded)
        for n in loaded { insert(n) }
        await registerStoredPluginDrivers()
        try await restoreEndpoints()
        await restorePorts()
        try await resolveIntents()
        for (name, driver) in drivers.sorted(by: { $0.key < $1.key }) {
            let mine = networks.values.filter { $0.driver == name }.sorted { $0.record.created < $1.record.created }
            do {
                try await driver.reconcile(mine)
            } catch {
                logger.error("reconciling \(name) networks failed: \(error)")
                throw BerthError.internalError("cannot restore the \(name) networks in the kernel: \(error)", cause: error)
            }
        }
        if let firewall {
            let key = "firewall-turned-forwarding-on"
            if await firewall.forwardingIsOff() {
                try await store.setSetting(key, "1")
                forwardingGuard = true
            } else {
                forwardingGuard = try await store.setting(key) == "1"
            }
        }
        try await rebuildFirewall()
        logger.info("networks ready", metadata: ["count": "\(networks.count)"])
    }

    /// A ULA /48 (RFC 4193) drawn once and kept in the store, split into /64s for `--ipv6` networks.
    private func ulaPool() async throws -> AddressPool {
        let key = "ipv6-ula-pool"
        if let text = try await store.setting(key), let c = CIDR(text), let p = try? AddressPool(base: c, size: 64) { return p }
        var g = SystemRandomNumberGenerator()
        let random: UInt64 = g.next()
        let global = UInt128(random & 0xff_ffff_ffff)
        let base = CIDR(address: .v6(IPv6Address(UInt128(0xfd) << 120 | global << 80)), prefixLength: 48)
        try await store.setSetting(key, base.description)
        return try AddressPool(base: base, size: 64)
    }

    private func ensurePredefined(_ loaded: [Network]) async throws -> [Network] {
        var out = loaded
        let now = Timestamp.now().nanoseconds
        let bip = config.bip ?? CIDR("172.17.0.1/16")!
        let bridgeSubnet = SubnetConfig(subnet: bip.network, gateway: bip.address)
        let bridgeOptions = [
            BridgeOptions.defaultBridge: "true", BridgeOptions.enableICC: String(config.icc),
            BridgeOptions.enableIPMasquerade: "true", BridgeOptions.hostBindingIPv4: "0.0.0.0",
            BridgeOptions.name: config.defaultBridgeName, BridgeOptions.mtu: String(config.mtu),
        ]
        if let i = out.firstIndex(where: { $0.record.predefined && $0.name == "bridge" }) {
            // --bip, --mtu or the bridge name may have changed since the last start.
            if out[i].subnets != [bridgeSubnet] || out[i].record.options != bridgeOptions {
                ipam.release(networkID: out[i].id)
                let conflicts = ipam.subnetsInUse.contains { $0.overlaps(bridgeSubnet.subnet) }
                if conflicts {
                    throw BerthError.invalidArgument("--bip \(bip) overlaps the subnet of an existing network; choose another --bip or remove that network")
                }
                out[i].subnets = [bridgeSubnet]
                out[i].record.subnets = [Self.record(bridgeSubnet)]
                out[i].record.options = bridgeOptions
                ipam.restore(networkID: out[i].id, configs: [bridgeSubnet])
                try await store.save(out[i].record)
            }
        } else {
            if ipam.subnetsInUse.contains(where: { $0.overlaps(bridgeSubnet.subnet) }) {
                throw BerthError.invalidArgument("the default bridge subnet \(bridgeSubnet.subnet) overlaps an existing network; set --bip")
            }
            let rec = NetworkRecord(
                id: Identifier.random(), name: "bridge", driver: "bridge", created: now, ipamOptions: nil,
                subnets: [Self.record(bridgeSubnet)], options: bridgeOptions, predefined: true)
            try await store.save(rec)
            ipam.restore(networkID: rec.id, configs: [bridgeSubnet])
            out.append(Network(record: rec, subnets: [bridgeSubnet]))
        }
        for (name, driver) in [("host", "host"), ("none", "null")] where !out.contains(where: { $0.record.predefined && $0.name == name }) {
            let rec = NetworkRecord(id: Identifier.random(), name: name, driver: driver, created: now, ipamOptions: nil, predefined: true)
            try await store.save(rec)
            out.append(Network(record: rec, subnets: []))
        }
        return out
    }

    static func record(_ s: SubnetConfig) -> NetworkRecord.IPAMSubnet {
        NetworkRecord.IPAMSubnet(
            subnet: s.subnet.description, ipRange: s.ipRange?.description, gateway: s.gateway.description,
            auxAddresses: s.auxAddresses.mapValues(\.description))
    }

    // MARK: queries

    /// Every network, sorted by name then id.
    public func list(filter: NetworkFilter = NetworkFilter([:])) throws(BerthError) -> [Network] {
        try filter.validate(accepted: NetworkFilter.listKeys)
        return networks.values
            .filter { filter.matches($0, endpointCount: endpointCount($0.id)) }
            .sorted { ($0.name, $0.id) < ($1.name, $1.id) }
    }

    /// Finds a network by full id, exact name, or unique id prefix, as dockerd does.
    public func find(_ ref: String) throws(BerthError) -> Network {
        try NetworkLookup.find(ref, byID: networks, idsByName: idsByName)
    }

    /// Adds (or replaces) a network and indexes its name.
    func insert(_ n: Network) {
        if let old = networks[n.id] { idsByName[old.name]?.removeAll { $0 == n.id } }
        networks[n.id] = n
        idsByName[n.name, default: []].append(n.id)
    }

    /// Drops a network and its name entry.
    func forget(id: String) {
        guard let old = networks.removeValue(forKey: id) else { return }
        idsByName[old.name]?.removeAll { $0 == id }
        if idsByName[old.name]?.isEmpty == true { idsByName[old.name] = nil }
    }

    /// Number of endpoints attached to a network, connects in flight included.
    public func endpointCount(_ id: String) -> Int {
        endpoints.values.count { $0.networkID == id } + pendingEndpoints.values.count { $0.networkID == id }
    }
}
