import BerthCore
import BerthStore

/// What a network driver does in the kernel when networks come and go.
///
/// Drivers are called by `NetworkController` after validation and IPAM, so they receive
/// complete, valid networks; they must leave nothing behind when they throw.
public protocol NetworkDriver: Sendable {
    /// The driver's name as the API shows it (`bridge`, `host`, `null`).
    var name: String { get }
    /// What the driver offers; the controller decides by these, not by the driver's name.
    var capabilities: DriverCapabilities { get }
    /// The device a network of this driver takes exclusively (a bridge's name), reserved while
    /// its create is in flight so two creates cannot both make it; nil when there is none.
    func exclusiveDevice(_ network: Network) -> String?
    /// Checks driver options before anything is reserved; throws `BerthError` (400) on bad input.
    func validate(options: [String: String]) throws(BerthError)
    /// Creates the kernel objects of a new network.
    func create(_ network: Network) async throws
    /// Removes the kernel objects of a network; missing objects are not an error.
    func delete(_ network: Network) async throws
    /// Brings the kernel in line with the known networks of this driver at daemon start:
    /// re-creates what is missing and removes what Berth made and no longer knows.
    func reconcile(_ networks: [Network]) async throws
    /// Plugs an endpoint into its sandbox: interface, addresses, and the default route when
    /// `providesGateway`. Returns the endpoint as joined: a driver whose addresses are leased
    /// in the sandbox (DHCP) fills them in. Leaves nothing behind when it throws.
    func join(_ endpoint: EndpointRecord, network: Network, sandbox: SandboxHandle, providesGateway: Bool) async throws -> EndpointRecord
    /// Unplugs an endpoint; a sandbox or interface that is already gone is not an error.
    func leave(_ endpoint: EndpointRecord, network: Network) async throws
    /// Adds the default route through an endpoint that takes over the gateway role.
    func takeGateway(_ endpoint: EndpointRecord, sandbox: SandboxHandle) async throws
    /// Lets an endpoint that publishes ports reach them itself (hairpin on its bridge port).
    func enableHairpin(_ endpoint: EndpointRecord) async throws
    /// After a crash: deletes the host-side interfaces this driver made for `networks` that no
    /// endpoint owns (`owned` names the endpoints' host interfaces).
    func removeOrphanInterfaces(_ networks: [Network], owned: Set<String>) async
    /// Checks a new network against the driver's other networks (a parent two may not share);
    /// called before anything is reserved.
    func checkCreate(_ network: Network, others: [Network]) throws(BerthError)
    /// Removes a network's kernel objects when `remaining` (the driver's other networks) may
    /// still use some of them; the default is `delete`.
    func release(_ network: Network, remaining: [Network]) async throws
    /// After a crash: removes what a create of `network` that never finished may have made,
    /// and nothing that is not the driver's (a device someone else made under the same name).
    func abandon(_ network: Network) async
    /// Shapes a new endpoint's record before anything of it reaches the kernel (a driver whose
    /// children share the parent's MAC clears it); throws `BerthError` (400) on a request it
    /// cannot serve, such as a `--mac-address` it cannot give.
    func prepareEndpoint(_ endpoint: inout EndpointRecord, request: EndpointRequest, network: Network) throws(BerthError)
    /// Whether the network's containers have a way out of the host: the default route is
    /// theirs and the embedded DNS forwards. The default: unless `--internal`.
    func reachesOutside(_ network: Network) -> Bool
    /// After the daemon's start (reconcile done, endpoints read back): takes up again what the
    /// driver keeps for running endpoints, such as renewing their DHCP leases. Never waits on
    /// the network: the start goes on at once.
    func resume(_ endpoints: [EndpointRecord], network: Network) async
    /// A global network's endpoints on other hosts, as the cluster store has them now (the whole
    /// set each time): the driver makes them reachable from this host's containers.
    func setPeers(_ peers: [OverlayPeer], network: Network) async
    /// Whether the network's containers get their way out from a second endpoint on
    /// `docker_gwbridge`, as dockerd gives it to overlay and to plugins that name no gateway.
    /// The default: no (a network without a way out of its own is then simply internal).
    func needsGatewayBridge(_ network: Network) -> Bool
}

extension NetworkDriver {
    public func exclusiveDevice(_ network: Network) -> String? { nil }
    public func checkCreate(_ network: Network, others: [Network]) throws(BerthError) {}
    public func release(_ network: Network, remaining: [Network]) async throws { try await delete(network) }
    public func removeOrphanInterfaces(_ networks: [Network], owned: Set<String>) async {}
    public func abandon(_ network: Network) async { try? await delete(network) }
    public func prepareEndpoint(_ endpoint: inout EndpointRecord, request: EndpointRequest, network: Network) throws(BerthError) {}
    public func reachesOutside(_ network: Network) -> Bool { !network.record.internalNetwork }
    public func resume(_ endpoints: [EndpointRecord], network: Network) async {}
    public func setPeers(_ peers: [OverlayPeer], network: Network) async {}
    public func needsGatewayBridge(_ network: Network) -> Bool { false }
}

/// Drivers with nothing to do in the kernel: `host` shares the daemon's namespace, `null`
/// gives containers only a loopback.
public struct PassiveDriver: NetworkDriver {
    public let name: String

    public init(name: String) { self.name = name }

    public var capabilities: DriverCapabilities { .predefinedOnly }

    public func validate(options: [String: String]) throws(BerthError) {}
    public func create(_ network: Network) async throws {}
    public func delete(_ network: Network) async throws {}
    public func reconcile(_ networks: [Network]) async throws {}

    public func join(_ endpoint: EndpointRecord, network: Network, sandbox: SandboxHandle, providesGateway: Bool) async throws -> EndpointRecord {
        throw BerthError.forbidden("container cannot be disconnected from \(network.name) network or connected to \(network.name) network")
    }

    public func leave(_ endpoint: EndpointRecord, network: Network) async throws {}
    public func takeGateway(_ endpoint: EndpointRecord, sandbox: SandboxHandle) async throws {}
    public func enableHairpin(_ endpoint: EndpointRecord) async throws {}
}
