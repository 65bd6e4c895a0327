import BerthCore
import BerthNetlink
import BerthStore
import Logging
import Testing

@testable import BerthNetwork

/// The controller decides by what a driver declares, not by its name: a driver without the host
/// firewall publishes nothing (dockerd's macvlan behaviour), one with predefined networks only
/// refuses user networks and endpoints, and exclusive devices are reserved per driver.
@Suite struct DriverCapabilitiesTests {
    /// A driver that plugs nothing and declares only what it is given.
    struct DeclaringDriver: NetworkDriver {
        let name: String
        let capabilities: DriverCapabilities
        func validate(options: [String: String]) throws(BerthError) {}
        func create(_ network: Network) async throws {}
        func delete(_ network: Network) async throws {}
        func reconcile(_ networks: [Network]) async throws {}
        func join(_ endpoint: EndpointRecord, network: Network, sandbox: SandboxHandle, providesGateway: Bool) async throws -> EndpointRecord { endpoint }
        func leave(_ endpoint: EndpointRecord, network: Network) async throws {}
        func takeGateway(_ endpoint: EndpointRecord, sandbox: SandboxHandle) async throws {}
        func enableHairpin(_ endpoint: EndpointRecord) async throws {}
    }

    func controller(_ extra: [any NetworkDriver]) -> (NetworkController, RecordingRouteNetlink) {
        let netlink = RecordingRouteNetlink()
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let c = NetworkController(
            store: MemoryStore(),
            drivers: [BridgeDriver(netlink: netlink, sysctls: RecordingSysctls(), logger: quiet), PassiveDriver(name: "host"), PassiveDriver(name: "null")] + extra,
            config: NetworkConfig(), logger: quiet, sandboxes: RecordingSandboxes(host: netlink), portReserver: RecordingPortReserver())
        return (c, netlink)
    }

    @Test func withoutTheHostFirewallPortsAreAcceptedAndNothingIsPublished() async throws {
        let (c, _) = controller([DeclaringDriver(name: "direct", capabilities: DriverCapabilities())])
        try await c.start()
        var spec = NetworkCreateSpec(name: "lan")
        spec.driver = "direct"
        let lan = try await c.create(spec)
        #expect(await c.firewallNetwork(lan) == nil)
        var request = EndpointTests.request(1)
        request.ports = [PortBindingRequest(containerPort: 80, proto: .tcp, hostPort: "8080")]
        let e = try await c.connect("lan", request)
        #expect(e.ports.isEmpty)
        // The host port was never taken: a bridge container can publish it.
        _ = try await c.create(NetworkCreateSpec(name: "br"))
        var other = EndpointTests.request(2)
        other.ports = request.ports
        #expect(try await c.connect("br", other).ports.map(\.hostPort) == [8080])
    }

    @Test func predefinedOnlyDriversRefuseUserNetworksAndEndpoints() async throws {
        let (c, _) = controller([DeclaringDriver(name: "solo", capabilities: .predefinedOnly)])
        try await c.start()
        var spec = NetworkCreateSpec(name: "x")
        spec.driver = "solo"
        await #expect(throws: BerthError.forbidden("only one instance of \"solo\" network is allowed")) { try await c.create(spec) }
        await #expect(throws: BerthError.forbidden("container cannot be disconnected from host network or connected to host network")) {
            try await c.connect("host", EndpointTests.request(1))
        }
    }

    @Test func aBridgeNameIsTakenOnceWhateverTheNetwork() async throws {
        let (c, _) = controller([])
        try await c.start()
        var a = NetworkCreateSpec(name: "a")
        a.options = [BridgeOptions.name: "br-shared"]
        _ = try await c.create(a)
        var b = a
        b.name = "b"
        await #expect(throws: BerthError.self) { try await c.create(b) }
    }
}
