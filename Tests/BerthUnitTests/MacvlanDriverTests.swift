import BerthCore
import BerthNetlink
import BerthStore
import Testing

@testable import BerthNetwork

/// The macvlan driver against the recording netlink: children born in the sandbox on the
/// parent, a parent of Berth's own when none is given, dockerd's refusals, nothing published.
@Suite struct MacvlanDriverTests {
    /// EndpointTests' machine, with the macvlan driver registered.
    struct Fixture {
        let base = EndpointTests.Fixture()
        var netlink: RecordingRouteNetlink { base.netlink }
        var store: MemoryStore { base.store }
        var sandboxes: RecordingSandboxes { base.sandboxes }
        func controller() -> NetworkController { base.controller(macvlan: true) }
    }

    static func spec(_ name: String, _ options: [String: String], subnet: String? = nil, gateway: String? = nil) -> NetworkCreateSpec {
        var s = NetworkCreateSpec(name: name)
        s.driver = "macvlan"
        s.options = options
        if subnet != nil { s.subnets = [.init(subnet: subnet, gateway: gateway)] }
        return s
    }

    @Test func anEndpointIsAMacvlanChildBornInTheSandbox() async throws {
        let f = Fixture()
        try await f.netlink.createVeth(name: "lan0", peerName: "lan1", mtu: nil)
        let c = f.controller()
        try await c.start()
        _ = try await c.create(Self.spec("lan", ["parent": "lan0", "macvlan_mode": "bridge"], subnet: "10.50.0.0/24", gateway: "10.50.0.1"))
        var request = EndpointTests.request(1)
        request.ports = [PortBindingRequest(containerPort: 80, proto: .tcp, hostPort: "8080")]
        let e = try await c.connect("lan", request)
        #expect(e.ipv4Address == "10.50.0.2/24" && e.ports.isEmpty)
        let inside = f.sandboxes.inside("/sb/1")
        let child = try #require(try await inside.link(named: "eth0"))
        #expect(child.kind == "macvlan" && child.mac?.description == e.macAddress && child.isUp)
        #expect(try await inside.addresses(link: "eth0").map(\.description) == ["10.50.0.2/24"])
        #expect(try await inside.routes(link: "eth0").contains { $0.isDefault && $0.gateway?.description == "10.50.0.1" })
        #expect(f.netlink.calls.contains(.createChild(name: "eth0", parent: "lan0", kind: .macvlan(.bridge), namespaceFD: f.sandboxes.fd("/sb/1"), mac: MACAddress(e.macAddress))))
        try await c.disconnect("lan", containerID: request.containerID)
        #expect(try await inside.link(named: "eth0") == nil)
        try await c.remove("lan")
        #expect(try await f.netlink.link(named: "lan0") != nil, "a parent the user made is never deleted")
    }

    @Test func withoutAParentTheNetworkHasAnInternalParentOfItsOwn() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let n = try await c.create(Self.spec("solo", [:], subnet: "10.51.0.0/24"))
        let dummy = "dm-" + n.id.prefix(12)
        #expect(try await f.netlink.link(named: dummy)?.alias == "berth-parent:" + n.id)
        _ = try await c.connect("solo", EndpointTests.request(2))
        #expect(try await f.sandboxes.inside("/sb/2").routes(link: "eth0").contains { $0.isDefault } == false)
        try await c.disconnect("solo", containerID: EndpointTests.request(2).containerID)
        try await c.remove("solo")
        #expect(try await f.netlink.link(named: dummy) == nil)
    }

    @Test func refusalsLeaveNothingMade() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let before = try await f.netlink.links().count
        await #expect(throws: BerthError.invalidArgument("requested macvlan mode 'x' is not valid, 'bridge' mode is the macvlan driver default")) {
            try await c.create(Self.spec("a", ["macvlan_mode": "x"]))
        }
        await #expect(throws: BerthError.invalidArgument("loopback interface is not a valid macvlan parent link")) {
            try await c.create(Self.spec("b", ["parent": "lo"]))
        }
        await #expect(throws: BerthError.invalidArgument("invalid subinterface vlan name nothere, example formatting is eth0.10")) {
            try await c.create(Self.spec("c", ["parent": "nothere"]))
        }
        #expect(try await f.netlink.links().count == before)
        #expect(try await f.store.networks().contains { $0.driver == "macvlan" } == false)
        #expect(try await f.store.intents().isEmpty)
    }

    @Test func parentsAreSharedExceptInPassthruAndGoWithTheirLastNetwork() async throws {
        let f = Fixture()
        try await f.netlink.createVeth(name: "lan0", peerName: "lan1", mtu: nil)
        let c = f.controller()
        try await c.start()
        let a = try await c.create(Self.spec("a", ["parent": "lan0"], subnet: "10.52.0.0/24"))
        _ = try await c.create(Self.spec("b", ["parent": "lan0"], subnet: "10.53.0.0/24"))
        await #expect(throws: BerthError.forbidden("cannot use mode passthru, macvlan network \(a.id) is already using parent interface lan0")) {
            try await c.create(Self.spec("p", ["parent": "lan0", "macvlan_mode": "passthru"], subnet: "10.54.0.0/24"))
        }
        try await f.netlink.createVeth(name: "wan0", peerName: "wan1", mtu: nil)
        let p = try await c.create(Self.spec("p", ["parent": "wan0", "macvlan_mode": "passthru"], subnet: "10.55.0.0/24"))
        await #expect(throws: BerthError.forbidden("macvlan network \(p.id) is already using parent interface wan0 in mode passthru")) {
            try await c.create(Self.spec("q", ["parent": "wan0"], subnet: "10.56.0.0/24"))
        }
        // A parent of Berth's own shared by two networks: the first one's removal hands it on.
        let first = try await c.create(Self.spec("v1", [:], subnet: "10.57.0.0/24"))
        let own = "dm-" + first.id.prefix(12)
        let second = try await c.create(Self.spec("v2", ["parent": own], subnet: "10.58.0.0/24"))
        try await c.remove("v1")
        #expect(try await f.netlink.link(named: own)?.alias == "berth-parent:" + second.id)
        try await c.remove("v2")
        #expect(try await f.netlink.link(named: own) == nil)
    }

    @Test func theEndpointIfnameOptionNamesTheInterface() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        _ = try await c.create(Self.spec("solo", [:], subnet: "10.59.0.0/24"))
        _ = try await c.create(NetworkCreateSpec(name: "br"))
        var request = EndpointTests.request(3)
        request.interfaceName = "lan7"
        #expect(try await c.connect("solo", request).interfaceName == "lan7")
        #expect(try await f.sandboxes.inside("/sb/3").link(named: "lan7")?.kind == "macvlan")
        await #expect(throws: BerthError.invalidArgument(
            "interface name lan7 is already used in the sandbox of alpine3; choose another com.docker.network.endpoint.ifname")) {
            try await c.connect("br", request)
        }
        request.interfaceName = "a-name-far-too-long"
        await #expect(throws: BerthError.self) { try await c.connect("br", request) }
        // The refused connects took no address.
        request.interfaceName = nil
        #expect(try await c.connect("br", request).ipv4Address == "172.18.0.2/16")
    }

    /// A parentless network has no way out, so it must not hold the container's gateway role:
    /// a bridge joined after it gets the default route, and the DNS may forward through it.
    @Test func aParentlessNetworkLeavesTheGatewayToAWayOut() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let solo = try await c.create(Self.spec("solo", [:], subnet: "10.69.0.0/24"))
        let br = try await c.create(NetworkCreateSpec(name: "br"))
        #expect(await c.reachesOutside(solo) == false)
        #expect(await c.reachesOutside(br))
        _ = try await c.connect("solo", EndpointTests.request(4))
        _ = try await c.connect("br", EndpointTests.request(4))
        #expect(try await f.sandboxes.inside("/sb/4").routes(link: "eth1").contains { $0.isDefault && $0.gateway?.description == "172.18.0.1" })
    }
}
