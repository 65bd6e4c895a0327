import BerthAPI
import BerthCore
import BerthNetlink
import BerthPlugins
import BerthStore
import Glibc
import Synchronization

/// A network driver served by a legacy plugin over Docker's remote driver protocol
/// (`NetworkDriver.*`), as libnetwork's `remote` driver speaks it: the daemon owns IPAM, the
/// plugin makes the interface and says how to plug it (`SrcName`, `DstPrefix`, gateway, static
/// routes); the daemon moves it into the sandbox, names it, gives it its addresses and routes,
/// and on leave moves it back under its old name before `DeleteEndpoint`.
///
/// A network whose joins give no gateway gets no way out from the plugin: the controller then
/// gives its containers a `docker_gwbridge` endpoint, as dockerd does.
public final class RemoteNetworkDriver: NetworkDriver {
    public let name: String
    public let capabilities: DriverCapabilities
    let plugin: Plugin
    /// The daemon's own namespace: where plugins make interfaces, and where they go back.
    let netlink: any RouteNetlink
    let sandboxes: (any SandboxProvider)?
    private let noGateway = Mutex<Set<String>>([])
    private let hostNamespaceFD: Int32

    /// `scope` is what the plugin's `GetCapabilities` answered.
    public init(plugin: Plugin, scope: String, netlink: any RouteNetlink, sandboxes: (any SandboxProvider)?) {
        name = plugin.name
        self.plugin = plugin
        capabilities = DriverCapabilities(scope: scope)
        self.netlink = netlink
        self.sandboxes = sandboxes
        hostNamespaceFD = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)
    }

    deinit { if hostNamespaceFD >= 0 { close(hostNamespaceFD) } }

    /// Asks the plugin its scope (`NetworkDriver.GetCapabilities`); dockerd refuses anything but
    /// local and global.
    public static func scope(of plugin: Plugin) async throws -> String {
        let caps: JSONValue
        do { caps = try await plugin.call("NetworkDriver.GetCapabilities") } catch { throw error.berthError }
        let scope = caps["Scope"]?.stringValue ?? ""
        guard scope == "local" || scope == "global" else {
            throw BerthError.invalidArgument("plugin \(plugin.name): invalid capability: expecting 'local' or 'global', got \(scope)")
        }
        return scope
    }

    public func validate(options: [String: String]) throws(BerthError) {}

    public func reachesOutside(_ network: Network) -> Bool {
        !network.record.internalNetwork && !noGateway.withLock { $0.contains(network.id) }
    }

    /// A plugin whose joins name no gateway gives its containers no way out: docker_gwbridge does.
    public func needsGatewayBridge(_ network: Network) -> Bool { !reachesOutside(network) && !network.record.internalNetwork }

    public func create(_ network: Network) async throws {
        _ = try await call("NetworkDriver.CreateNetwork", RemoteMessages.createNetwork(network))
    }

    public func delete(_ network: Network) async throws {
        _ = try await call("NetworkDriver.DeleteNetwork", .obj(["NetworkID": .string(network.id)]))
    }

    /// The plugin keeps its own state; nothing of it is in this host's kernel for Berth to mend.
    public func reconcile(_ networks: [Network]) async throws {}

    public func join(_ endpoint: EndpointRecord, network: Network, sandbox: SandboxHandle, providesGateway: Bool) async throws -> EndpointRecord {
        let ids = RemoteMessages.ids(endpoint)
        let created = try await call("NetworkDriver.CreateEndpoint", RemoteMessages.createEndpoint(endpoint))
        var joined = endpoint
        var undo: [() async -> Void] = [{ _ = try? await self.call("NetworkDriver.DeleteEndpoint", ids) }]
        do {
            if let iface = created["Interface"], iface != .null, iface != .object([]) {
                throw BerthError(.invalidArgument, "failed to create endpoint \(endpoint.containerName) on network \(network.name): driver modified interface address: \(iface.rendered()); rolled back")
            }
            let reply = try await call("NetworkDriver.Join", RemoteMessages.join(endpoint))
            undo.insert({ _ = try? await self.call("NetworkDriver.Leave", ids) }, at: 0)
            let plan = try RemoteMessages.JoinPlan(reply)
            // The daemon names the interface: the endpoint's `ethN`, or the plugin's prefix with N.
            let suffix = endpoint.interfaceName.drop { !$0.isNumber }
            let dst = plan.dstPrefix.isEmpty || plan.dstPrefix == "eth" ? endpoint.interfaceName : plan.dstPrefix + suffix
            try await netlink.setNamespace(name: plan.srcName, fd: sandbox.namespaceFD)
            undo.insert({ try? await sandbox.netlink.deleteLink(name: dst) ; try? await sandbox.netlink.deleteLink(name: plan.srcName) }, at: 0)
            let inside = sandbox.netlink
            if plan.srcName != dst { try await inside.rename(name: plan.srcName, to: dst) }
            if let mac = MACAddress(endpoint.macAddress) { try await inside.setMAC(name: dst, mac: mac) }
            for text in [endpoint.ipv4Address, endpoint.ipv6Address] where !text.isEmpty {
                if let cidr = CIDR(text) { try await inside.addAddress(cidr, link: dst) }
            }
            try await inside.setLinkUp(name: "lo")
            try await inside.setLinkUp(name: dst)
            for route in plan.routes {
                try await inside.addRoute(destination: route.destination, gateway: route.nextHop, link: dst)
            }
            joined.interfaceName = dst
            joined.hostInterface = plan.srcName
            joined.gateway4 = plan.gateway4?.description ?? ""
            joined.gateway6 = plan.gateway6?.description ?? ""
            if providesGateway {
                if let gw = plan.gateway4 { try await inside.addRoute(destination: nil, gateway: .v4(gw), link: dst) }
                if let gw = plan.gateway6 { try await inside.addRoute(destination: nil, gateway: .v6(gw), link: dst) }
            }
            if plan.gateway4 == nil && plan.gateway6 == nil && !plan.disableGatewayService {
                noGateway.withLock { _ = $0.insert(network.id) }
            }
            return joined
        } catch {
            for step in undo { await step() }
            throw error
        }
    }

    public func leave(_ endpoint: EndpointRecord, network: Network) async throws {
        let ids = RemoteMessages.ids(endpoint)
        _ = try? await call("NetworkDriver.RevokeExternalConnectivity", ids, tolerate404: true)
        _ = try await call("NetworkDriver.Leave", ids)
        // Back to the daemon's namespace under the plugin's name, so its DeleteEndpoint finds it.
        if let sandboxes, hostNamespaceFD >= 0, let sandbox = try? await sandboxes.open(endpoint.sandboxKey) {
            defer { sandbox.close() }
            if (try? await sandbox.netlink.link(named: endpoint.interfaceName)) != nil {
                try? await sandbox.netlink.setLinkDown(name: endpoint.interfaceName)
                if endpoint.interfaceName != endpoint.hostInterface {
                    try? await sandbox.netlink.rename(name: endpoint.interfaceName, to: endpoint.hostInterface)
                }
                try? await sandbox.netlink.setNamespace(name: endpoint.hostInterface, fd: hostNamespaceFD)
            }
        }
        _ = try await call("NetworkDriver.DeleteEndpoint", ids)
    }

    public func takeGateway(_ endpoint: EndpointRecord, sandbox: SandboxHandle) async throws {
        if let gw = IPv4Address(endpoint.gateway4) { try await sandbox.netlink.addRoute(destination: nil, gateway: .v4(gw), link: endpoint.interfaceName) }
    }

    public func enableHairpin(_ endpoint: EndpointRecord) async throws {}

    /// A plugin call whose failure reads as dockerd's (`remote: …`, `NetworkDriver.Join: …`).
    func call(_ method: String, _ body: JSONValue, tolerate404: Bool = false) async throws -> JSONValue {
        do {
            return try await plugin.call(method, body)
        } catch {
            if tolerate404 && error.isNotImplemented { return .object([]) }
            throw error.berthError
        }
    }
}
