import BerthCore
import BerthDHCP
import BerthNetlink
import BerthStore
import Logging
import Synchronization
import Testing

@testable import BerthNetwork

/// Sandboxes as namespaces of the recording netlink's model machine, one fd per sandbox key.
final class RecordingSandboxes: SandboxProvider {
    let host: RecordingRouteNetlink
    private let fds = Mutex<[String: Int32]>([:])

    init(host: RecordingRouteNetlink) { self.host = host }

    func fd(_ key: String) -> Int32 {
        fds.withLock { m in
            if let fd = m[key] { return fd }
            let fd = Int32(100 + m.count)
            m[key] = fd
            return fd
        }
    }

    func open(_ sandboxKey: String) async throws -> SandboxHandle {
        let fd = fd(sandboxKey)
        return SandboxHandle(netlink: host.view(namespaceFD: fd), namespaceFD: fd) {}
    }

    func inside(_ key: String) -> RecordingRouteNetlink { host.view(namespaceFD: fd(key)) }

    /// Namespaces made through `create` and not yet removed.
    let made = Mutex<Set<String>>([])

    func create(_ key: String) async throws {
        try made.withLock { m in
            guard m.insert(key).inserted else { throw BerthError.conflict("namespace \(key) exists") }
        }
    }

    func remove(_ key: String) async throws { _ = made.withLock { $0.remove(key) } }

    func list(in directory: String) -> [String] {
        made.withLock { m in m.filter { $0.hasPrefix(directory + "/") }.map { String($0.dropFirst(directory.count + 1)) }.sorted() }
    }
}

@Suite struct EndpointTests {
    struct Fixture {
        let netlink = RecordingRouteNetlink()
        let store = MemoryStore()
        let sandboxes: RecordingSandboxes

        init() { sandboxes = RecordingSandboxes(host: netlink) }

        /// The controller, with the macvlan driver too when `macvlan` (and a port reserver then).
        func controller(macvlan: Bool = false, dhcp: (any DHCPClient)? = nil) -> NetworkController {
            let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            var drivers: [any NetworkDriver] = [BridgeDriver(netlink: netlink, sysctls: RecordingSysctls(), logger: quiet), PassiveDriver(name: "host"), PassiveDriver(name: "null")]
            if macvlan {
                drivers += ChildLinkFlavor.allCases.map { ChildLinkDriver($0, netlink: netlink, sandboxes: sandboxes, logger: quiet, dhcp: dhcp) }
            }
            return NetworkController(
                store: store, drivers: drivers, config: NetworkConfig(), logger: quiet, sandboxes: sandboxes,
                portReserver: macvlan ? RecordingPortReserver() : nil)
        }
    }

    static func request(_ n: Int, ip: String? = nil, aliases: [String] = []) -> EndpointRequest {
        EndpointRequest(containerID: String(repeating: "\(n)", count: 64), containerName: "alpine\(n)", sandboxKey: "/sb/\(n)", ipv4: ip, aliases: aliases)
    }

    @Test func joinPlumbsTheSandboxAsDockerd2010Does() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let net = try await c.create(NetworkCreateSpec(name: "alpine-net"))
        let e = try await c.connect("alpine-net", Self.request(1))
        #expect(e.ipv4Address == "172.18.0.2/16")
        #expect(e.macAddress == "02:42:ac:12:00:02")
        #expect(e.interfaceName == "eth0")
        #expect(e.gateway4 == "172.18.0.1")
        #expect(e.hostInterface.hasPrefix("veth") && e.hostInterface.count == 11)

        let hostEnd = try #require(try await f.netlink.link(named: e.hostInterface))
        let bridge = try #require(try await f.netlink.link(named: net.bridgeName))
        #expect(hostEnd.masterIndex == bridge.index && hostEnd.isUp)

        let inside = f.sandboxes.inside("/sb/1")
        let eth0 = try #require(try await inside.link(named: "eth0"))
        #expect(eth0.isUp && eth0.mac?.description == "02:42:ac:12:00:02")
        #expect(try await inside.link(named: "lo")?.isUp == true)
        #expect(try await inside.addresses(link: "eth0").map(\.description) == ["172.18.0.2/16"])
        #expect(try await inside.routes(link: "eth0").contains { $0.isDefault && $0.gateway?.description == "172.18.0.1" })

        #expect(try await c.connect("alpine-net", Self.request(2)).ipv4Address == "172.18.0.3/16")
        #expect(await c.endpoints(network: net.id).map(\.containerName) == ["alpine1", "alpine2"])
        #expect(try await f.store.endpoints().count == 2)
    }

    @Test func dockerdsRulesForAddressesAndAliases() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        _ = try await c.create(NetworkCreateSpec(name: "auto"))
        var spec = NetworkCreateSpec(name: "fixed")
        spec.subnets = [.init(subnet: "10.88.0.0/24")]
        _ = try await c.create(spec)

        await #expect(throws: BerthError.invalidArgument("user specified IP address is supported on user defined networks only")) {
            try await c.connect("bridge", Self.request(1, ip: "172.17.0.50"))
        }
        await #expect(throws: BerthError.invalidArgument("user specified IP address is supported only when connecting to networks with user configured subnets")) {
            try await c.connect("auto", Self.request(1, ip: "172.18.0.50"))
        }
        await #expect(throws: BerthError.invalidArgument("Invalid address 10.99.0.5: It does not belong to any of this network's subnets")) {
            try await c.connect("fixed", Self.request(1, ip: "10.99.0.5"))
        }
        await #expect(throws: BerthError.forbidden("Address already in use")) {
            try await c.connect("fixed", Self.request(1, ip: "10.88.0.1"))
        }
        await #expect(throws: BerthError.invalidArgument("network-scoped alias is supported only for containers in user defined networks")) {
            try await c.connect("bridge", Self.request(1, aliases: ["db"]))
        }
        await #expect(throws: BerthError.forbidden("container cannot be disconnected from host network or connected to host network")) {
            try await c.connect("host", Self.request(1))
        }
        #expect(try await c.connect("fixed", Self.request(1, ip: "10.88.0.50")).ipv4Address == "10.88.0.50/24")
        await #expect(throws: BerthError.forbidden("endpoint with name alpine1 already exists in network fixed")) {
            try await c.connect("fixed", Self.request(1))
        }
        // Refused requests reserved nothing: the first free address is still .2.
        #expect(try await c.connect("fixed", Self.request(2)).ipv4Address == "10.88.0.2/24")
        #expect(try await f.store.endpoints().count == 2)
    }

    @Test func networkInUseCannotBeRemovedAndDisconnectFreesTheAddress() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let net = try await c.create(NetworkCreateSpec(name: "alpine-net"))
        let e = try await c.connect("alpine-net", Self.request(1))
        await #expect(throws: BerthError.forbidden("error while removing network: network alpine-net id \(net.id) has active endpoints")) {
            try await c.remove("alpine-net")
        }
        await #expect(throws: BerthError.forbidden("container \(Self.request(2).containerID) is not connected to network alpine-net")) {
            try await c.disconnect("alpine-net", containerID: Self.request(2).containerID)
        }
        try await c.disconnect("alpine-net", containerID: e.containerID)
        #expect(try await f.netlink.link(named: e.hostInterface) == nil)
        #expect(try await f.sandboxes.inside("/sb/1").link(named: "eth0") == nil)
        #expect(try await c.connect("alpine-net", Self.request(2)).ipv4Address == "172.18.0.2/16")
        try await c.disconnectAll(containerID: Self.request(2).containerID)
        try await c.remove("alpine-net")
    }

    @Test func secondNetworkGetsEth1AndTheGatewayMovesOnDisconnect() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        _ = try await c.create(NetworkCreateSpec(name: "alpine-net"))
        _ = try await c.connect("alpine-net", Self.request(4))
        let second = try await c.connect("bridge", Self.request(4))
        #expect(second.interfaceName == "eth1")
        #expect(second.ipv4Address == "172.17.0.2/16" && second.macAddress == "02:42:ac:11:00:02")
        let inside = f.sandboxes.inside("/sb/4")
        #expect(try await inside.routes(link: "eth1").contains { $0.isDefault } == false)
        try await c.disconnect("alpine-net", containerID: Self.request(4).containerID)
        #expect(try await inside.routes(link: "eth1").contains { $0.isDefault && $0.gateway?.description == "172.17.0.1" })
    }

    @Test func kernelFailureOnJoinUndoesEverything() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        _ = try await c.create(NetworkCreateSpec(name: "alpine-net"))
        f.netlink.failNext(where: { if case .setMaster = $0 { true } else { false } }, with: NetlinkError.kernel(operation: "RTM_SETLINK", errno: 16))
        await #expect(throws: BerthError.self) { try await c.connect("alpine-net", Self.request(1)) }
        #expect(try await f.netlink.links().contains { $0.name.hasPrefix("veth") } == false)
        #expect(try await f.store.endpoints().isEmpty)
        #expect(try await c.connect("alpine-net", Self.request(1)).ipv4Address == "172.18.0.2/16")
    }

    @Test func restartRestoresEndpointsAndTheirAddresses() async throws {
        let f = Fixture()
        let c1 = f.controller()
        try await c1.start()
        let net = try await c1.create(NetworkCreateSpec(name: "alpine-net"))
        _ = try await c1.connect("alpine-net", Self.request(1))
        let c2 = f.controller()
        try await c2.start()
        #expect(await c2.endpoints(network: net.id).map(\.ipv4Address) == ["172.18.0.2/16"])
        #expect(try await c2.connect("alpine-net", Self.request(2)).ipv4Address == "172.18.0.3/16")
        await #expect(throws: BerthError.self) { try await c2.remove("alpine-net") }
    }
}
