import BerthCore
import BerthNetlink
import BerthStore
import Testing

@testable import BerthNetwork

/// `-o berth.host_shim` on macvlan networks against the recording netlink: the shim child on
/// the parent with the host's address, a /32 route per container while it is on the network,
/// everything gone with the network, and refusals that leave nothing made.
@Suite struct HostShimTests {
    typealias Fixture = MacvlanDriverTests.Fixture

    static func machine() async throws -> (Fixture, NetworkController) {
        let f = Fixture()
        try await f.netlink.createVeth(name: "lan0", peerName: "lan1", mtu: nil)
        try await f.netlink.addAddress(try #require(CIDR("10.70.0.1/24")), link: "lan0")
        let c = f.controller()
        try await c.start()
        return (f, c)
    }

    @Test func theShimCarriesTheHostsAddressAndARoutePerContainer() async throws {
        let (f, c) = try await Self.machine()
        let n = try await c.create(MacvlanDriverTests.spec("lan", ["parent": "lan0", "berth.host_shim": "true"], subnet: "10.70.0.0/24"))
        let shim = "bh-" + n.id.prefix(12)
        let link = try #require(try await f.netlink.link(named: shim))
        #expect(link.kind == "macvlan" && link.alias == "berth-shim:" + n.id && link.isUp)
        #expect(try await f.netlink.addresses(link: shim).map(\.description) == ["10.70.0.1/32"])
        let e = try await c.connect("lan", EndpointTests.request(1))
        #expect(try await f.netlink.routes(link: shim).map { $0.destination?.description } == [e.ipv4Address.replacingOccurrences(of: "/24", with: "/32")])
        try await c.disconnect("lan", containerID: EndpointTests.request(1).containerID)
        #expect(try await f.netlink.routes(link: shim).isEmpty)
        try await c.remove("lan")
        #expect(try await f.netlink.link(named: shim) == nil)
        #expect(try await f.netlink.link(named: "lan0") != nil)
    }

    @Test func aGivenAddressServesAParentlessNetworkAndALostShimComesBack() async throws {
        let (f, c) = try await Self.machine()
        let n = try await c.create(MacvlanDriverTests.spec("solo", ["berth.host_shim": "10.71.0.250"], subnet: "10.71.0.0/24"))
        let shim = "bh-" + n.id.prefix(12)
        #expect(try await f.netlink.addresses(link: shim).map(\.description) == ["10.71.0.250/32"])
        try await f.netlink.deleteLink(name: shim)
        let again = f.controller()
        try await again.start()
        #expect(try await f.netlink.link(named: shim)?.alias == "berth-shim:" + n.id, "made again at start")
    }

    @Test func refusalsLeaveNothingMade() async throws {
        let (f, c) = try await Self.machine()
        try await f.netlink.createVeth(name: "bare0", peerName: "bare1", mtu: nil)
        let before = try await f.netlink.links().map(\.name).sorted()
        let cases: [([String: String], String, BerthError)] = [
            (["parent": "lan0", "berth.host_shim": "maybe"], "macvlan",
             .invalidArgument("invalid berth.host_shim value maybe: give true (the host's address on the parent) or an IPv4 address for the shim")),
            (["parent": "lan0", "berth.host_shim": "true", "macvlan_mode": "private"], "macvlan",
             .invalidArgument("berth.host_shim needs macvlan_mode bridge or vepa: in private mode the shim cannot reach the containers")),
            (["parent": "lan0", "berth.host_shim": "true"], "ipvlan", .invalidArgument("berth.host_shim is only available on macvlan networks")),
            (["parent": "bare0", "berth.host_shim": "true"], "macvlan",
             .invalidArgument("berth.host_shim=true takes the host's IPv4 address on bare0, and it has none; give the shim an address of its own: -o berth.host_shim=ADDRESS")),
            ([ "berth.host_shim": "true"], "macvlan",
             .invalidArgument("berth.host_shim=true takes the host's IPv4 address on dm-PLACEHOLDER, and it has none; give the shim an address of its own: -o berth.host_shim=ADDRESS")),
        ]
        for (options, driver, expected) in cases {
            var spec = MacvlanDriverTests.spec("x", options, subnet: "10.72.0.0/24")
            spec.driver = driver
            do {
                _ = try await c.create(spec)
                Issue.record("created with \(options)")
            } catch let e as BerthError {
                if expected.message.contains("PLACEHOLDER") {
                    #expect(e.message.hasPrefix("berth.host_shim=true takes the host's IPv4 address on dm-"), "\(e)")
                } else {
                    #expect(e == expected)
                }
            }
        }
        #expect(try await f.netlink.links().map(\.name).sorted() == before)
        #expect(try await f.store.networks().contains { $0.name == "x" } == false)
        #expect(try await f.store.intents().isEmpty)
    }
}
