#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthNetlink
import BerthStore
import Testing

@testable import BerthNetwork

/// The ipvlan driver against the recording netlink (this machine's kernel has no ipvlan, so
/// these are its only runs with children; the integration test checks the refusal here):
/// children that share the parent's MAC, l3 routing without a gateway, one network per parent,
/// and dockerd's refusals.
@Suite struct IpvlanDriverTests {
    typealias Fixture = MacvlanDriverTests.Fixture

    static func spec(_ name: String, _ options: [String: String], subnets: [String] = [], gateway: String? = nil) -> NetworkCreateSpec {
        var s = NetworkCreateSpec(name: name)
        s.driver = "ipvlan"
        s.options = options
        s.subnets = subnets.map { .init(subnet: $0, gateway: gateway) }
        return s
    }

    /// A machine with the LAN-side parent `lan0`.
    static func machine() async throws -> (Fixture, NetworkController) {
        let f = Fixture()
        try await f.netlink.createVeth(name: "lan0", peerName: "lan1", mtu: nil)
        let c = f.controller()
        try await c.start()
        return (f, c)
    }

    @Test func anL2EndpointSharesTheParentsMACAndRoutesViaTheGateway() async throws {
        let (f, c) = try await Self.machine()
        _ = try await c.create(Self.spec("l2", ["parent": "lan0"], subnets: ["10.60.0.0/24"], gateway: "10.60.0.1"))
        let e = try await c.connect("l2", EndpointTests.request(1))
        #expect(e.macAddress.isEmpty && e.gateway4 == "10.60.0.1")
        let child = try #require(try await f.sandboxes.inside("/sb/1").link(named: "eth0"))
        let parentMAC = try await f.netlink.link(named: "lan0")?.mac
        #expect(child.kind == "ipvlan" && child.mac == parentMAC && child.isUp)
        #expect(f.netlink.calls.contains(.createChild(
            name: "eth0", parent: "lan0", kind: .ipvlan(.l2, .bridge), namespaceFD: f.sandboxes.fd("/sb/1"), mac: nil)))
        #expect(try await f.sandboxes.inside("/sb/1").routes(link: "eth0").contains { $0.isDefault && $0.gateway?.description == "10.60.0.1" })
        try await c.disconnect("l2", containerID: EndpointTests.request(1).containerID)
        #expect(try await f.sandboxes.inside("/sb/1").link(named: "eth0") == nil)
    }

    @Test func l3EndpointsOnTwoSubnetsHaveNoGatewayAndADefaultRouteOutOfTheirInterface() async throws {
        let (f, c) = try await Self.machine()
        var spec = Self.spec("l3", ["parent": "lan0", "ipvlan_mode": "l3", "ipvlan_flag": "private"],
                             subnets: ["10.61.0.0/24", "10.62.0.0/24", "fd61::/64"], gateway: nil)
        spec.enableIPv6 = true
        _ = try await c.create(spec)
        var second = EndpointTests.request(2, ip: "10.62.0.9")
        second.ipv6 = "fd61::9"
        let a = try await c.connect("l3", EndpointTests.request(1))
        let b = try await c.connect("l3", second)
        #expect(a.ipv4Address == "10.61.0.2/24" && b.ipv4Address == "10.62.0.9/24")
        for (e, sb) in [(a, "/sb/1"), (b, "/sb/2")] {
            #expect(e.gateway4.isEmpty && e.gateway6.isEmpty && e.macAddress.isEmpty)
            let routes = try await f.sandboxes.inside(sb).routes(link: "eth0")
            #expect(routes.contains { $0.isDefault && $0.family == .v4 && $0.gateway == nil }, "default dev eth0")
            #expect(routes.contains { $0.isDefault && $0.family == .v6 && $0.gateway == nil })
        }
        #expect(f.netlink.calls.contains { if case .createChild(_, _, .ipvlan(.l3, .private), _, nil) = $0 { true } else { false } })
    }

    @Test func aCustomMACIsRefusedAndTakesNoAddress() async throws {
        let (_, c) = try await Self.machine()
        _ = try await c.create(Self.spec("l2", ["parent": "lan0"], subnets: ["10.63.0.0/24"]))
        var request = EndpointTests.request(1)
        request.macAddress = "02:42:0a:3f:00:09"
        await #expect(throws: BerthError.invalidArgument("ipvlan interfaces do not support custom mac address assignment")) {
            try await c.connect("l2", request)
        }
        request.macAddress = nil
        #expect(try await c.connect("l2", request).ipv4Address == "10.63.0.2/24")
    }

    @Test func aParentServesOneIpvlanNetworkAndAMacvlanChildOnItIsRefusedClearly() async throws {
        let (f, c) = try await Self.machine()
        let first = try await c.create(Self.spec("one", ["parent": "lan0"], subnets: ["10.64.0.0/24"]))
        await #expect(throws: BerthError.forbidden("network di-\(first.id.prefix(12)) is already using parent interface lan0")) {
            try await c.create(Self.spec("two", ["parent": "lan0", "ipvlan_mode": "l3"], subnets: ["10.65.0.0/24"]))
        }
        await #expect(throws: BerthError.self, "nothing of the refused network is kept") { try await c.find("two") }
        // dockerd lets a macvlan network name the same parent; the kernel then refuses the child
        // (one rx handler per device), and the user is told why.
        _ = try await c.create(MacvlanDriverTests.spec("mv", ["parent": "lan0"], subnet: "10.66.0.0/24"))
        _ = try await c.connect("one", EndpointTests.request(1))
        f.netlink.failNext(where: { if case .createChild(_, _, .macvlan, _, _) = $0 { true } else { false } },
                           with: NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EBUSY))
        await #expect(throws: BerthError.forbidden("failed to create the macvlan port: parent interface lan0 is busy: it already carries ipvlan children or is a bridge port, and a parent serves one kind only; use another parent")) {
            try await c.connect("mv", EndpointTests.request(2))
        }
        #expect(try await c.connect("mv", EndpointTests.request(3)).ipv4Address == "10.66.0.2/24", "the refused connect took no address")
    }

    @Test func withoutAParentTheNetworkIsInternalOnItsOwnDiParent() async throws {
        let (f, c) = try await Self.machine()
        let n = try await c.create(Self.spec("solo", ["ipvlan_mode": "l3"], subnets: ["10.67.0.0/24"]))
        #expect(try await f.netlink.link(named: "di-" + n.id.prefix(12))?.alias == "berth-ipvlan-parent:" + n.id)
        #expect(await c.reachesOutside(n) == false)
        _ = try await c.connect("solo", EndpointTests.request(1))
        #expect(try await f.sandboxes.inside("/sb/1").routes(link: "eth0").contains { $0.isDefault } == false)
        try await c.disconnect("solo", containerID: EndpointTests.request(1).containerID)
        try await c.remove("solo")
        #expect(try await f.netlink.link(named: "di-" + n.id.prefix(12)) == nil)
    }

    @Test func aKernelWithoutIpvlanIsNamedAndLeavesNothingMade() async throws {
        let (f, c) = try await Self.machine()
        let before = try await f.netlink.links().map(\.name).sorted()
        for options in [["parent": "lan0"], [:]] {
            f.netlink.failNext(where: { if case .createChild(_, _, .ipvlan, _, _) = $0 { true } else { false } },
                               with: NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EOPNOTSUPP))
            await #expect(throws: BerthError(.notImplemented, "this kernel has no ipvlan support (module ipvlan, CONFIG_IPVLAN): ipvlan networks cannot be made on this host; use macvlan instead")) {
                try await c.create(Self.spec("nope", options, subnets: ["10.68.0.0/24"]))
            }
        }
        #expect(try await f.netlink.links().map(\.name).sorted() == before)
        #expect(try await f.store.networks().contains { $0.driver == "ipvlan" } == false)
        #expect(try await f.store.intents().isEmpty)
        // Once the kernel has made one, it is not asked again.
        _ = try await c.create(Self.spec("yes", ["parent": "lan0"], subnets: ["10.68.0.0/24"]))
        let probes = f.netlink.calls.filter { if case .createChild(let name, _, _, nil, _) = $0 { name.hasPrefix("bp-") } else { false } }.count
        try await c.remove("yes")
        _ = try await c.create(Self.spec("again", ["parent": "lan0"], subnets: ["10.68.0.0/24"]))
        #expect(f.netlink.calls.filter { if case .createChild(let name, _, _, nil, _) = $0 { name.hasPrefix("bp-") } else { false } }.count == probes)
    }

    @Test func badModesAndFlagsAreDockerds() async throws {
        let (_, c) = try await Self.machine()
        await #expect(throws: BerthError.invalidArgument("requested ipvlan mode 'l4' is not valid, 'l2' mode is the ipvlan driver default")) {
            try await c.create(Self.spec("a", ["parent": "lan0", "ipvlan_mode": "l4"]))
        }
        await #expect(throws: BerthError.invalidArgument("requested ipvlan flag 'x' is not valid, 'bridge' is the ipvlan driver default")) {
            try await c.create(Self.spec("b", ["parent": "lan0", "ipvlan_flag": "x"]))
        }
        await #expect(throws: BerthError.invalidArgument("loopback interface is not a valid ipvlan parent link")) {
            try await c.create(Self.spec("c", ["parent": "lo"]))
        }
    }
}
