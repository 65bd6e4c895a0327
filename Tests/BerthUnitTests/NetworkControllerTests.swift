import BerthCore
import BerthNetlink
import BerthStore
import Logging
import Testing

@testable import BerthNetwork

/// The controller against a recording netlink and an in-memory store: no root needed.
@Suite struct NetworkControllerTests {
    struct Fixture {
        let netlink = RecordingRouteNetlink()
        let store = MemoryStore()
        var config = NetworkConfig()

        func controller() -> NetworkController {
            NetworkController(
                store: store,
                drivers: [BridgeDriver(netlink: netlink, sysctls: RecordingSysctls(), logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })), PassiveDriver(name: "host"), PassiveDriver(name: "null")],
                config: config, logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }))
        }
    }

    @Test func predefinedNetworksAndDefaultBridge() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let all = try await c.list()
        #expect(all.map(\.name) == ["bridge", "host", "none"])
        #expect(all.map(\.driver) == ["bridge", "host", "null"])
        let bridge = try await c.find("bridge")
        #expect(bridge.subnets.map(\.subnet.description) == ["172.17.0.0/16"])
        #expect(bridge.record.options["com.docker.network.bridge.name"] == "berth0")
        #expect(bridge.record.ipamOptions == nil)
        let link = try await f.netlink.link(named: "berth0")
        #expect(link?.alias == "berth-net:" + bridge.id)
        #expect(try await f.netlink.addresses(link: "berth0").map(\.description) == ["172.17.0.1/16"])
    }

    @Test func embeddedDNSOnUserDefinedNetworksOnly() async throws {
        let c = Fixture().controller()
        try await c.start()
        _ = try await c.create(NetworkCreateSpec(name: "alpine-net"))
        var dns: [String: Bool] = [:]
        for n in try await c.list() { dns[n.name] = n.hasEmbeddedDNS }
        #expect(dns == ["bridge": false, "host": false, "none": false, "alpine-net": true])
    }

    @Test func createGetsNextPoolAndBridgeNamedAfterId() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let n = try await c.create(NetworkCreateSpec(name: "alpine-net"))
        #expect(n.subnets.map(\.subnet.description) == ["172.18.0.0/16"])
        #expect(n.subnets.first?.gateway.description == "172.18.0.1")
        #expect(n.bridgeName == "br-" + n.id.prefix(12))
        #expect(try await f.netlink.link(named: n.bridgeName) != nil)
        #expect(try await f.store.networks().contains { $0.id == n.id })
    }

    @Test func badInputLeavesNothingBehind() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        _ = try await c.create(NetworkCreateSpec(name: "alpine-net"))
        let writes = f.store.writeCount
        let links = try await f.netlink.links().count

        await #expect(throws: BerthError.conflict("network with name alpine-net already exists")) {
            try await c.create(NetworkCreateSpec(name: "alpine-net"))
        }
        var overlap = NetworkCreateSpec(name: "o")
        overlap.subnets = [.init(subnet: "172.18.1.0/24")]
        await #expect(throws: BerthError.forbidden("Pool overlaps with other one on this address space")) { try await c.create(overlap) }
        var bad = NetworkCreateSpec(name: "b")
        bad.subnets = [.init(subnet: "300.1.1.0/24")]
        await #expect(throws: BerthError.invalidArgument("Invalid subnet 300.1.1.0/24 : invalid CIDR address: 300.1.1.0/24")) { try await c.create(bad) }
        var gw = NetworkCreateSpec(name: "g")
        gw.subnets = [.init(subnet: "10.1.0.0/16", gateway: "10.2.0.1")]
        await #expect(throws: BerthError.invalidArgument("no matching subnet for gateway 10.2.0.1")) { try await c.create(gw) }
        var drv = NetworkCreateSpec(name: "d")
        drv.driver = "doesnotexist"
        await #expect(throws: BerthError.notFound("plugin \"doesnotexist\" not found")) { try await c.create(drv) }
        var mtu = NetworkCreateSpec(name: "m")
        mtu.options = ["com.docker.network.driver.mtu": "abc"]
        await #expect(throws: BerthError.self) { try await c.create(mtu) }

        #expect(f.store.writeCount == writes)
        #expect(try await f.netlink.links().count == links)
        // The refused subnets stay free: the next network still gets 172.19.
        #expect(try await c.create(NetworkCreateSpec(name: "next")).subnets.first?.subnet.description == "172.19.0.0/16")
    }

    @Test func kernelFailureUndoesReservations() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        // A foreign interface already holds the requested bridge name.
        try await f.netlink.createBridge(name: "taken0", mtu: nil, alias: nil)
        var spec = NetworkCreateSpec(name: "x")
        spec.options = ["com.docker.network.bridge.name": "taken0"]
        spec.subnets = [.init(subnet: "10.9.0.0/24")]
        await #expect(throws: BerthError.self) { try await c.create(spec) }
        #expect(try await f.store.networks().count == 3)
        // Nothing of x was kept: its subnet and name are free again.
        spec.options = [:]
        #expect(try await c.create(spec).subnets.first?.subnet.description == "10.9.0.0/24")
        #expect(try await f.netlink.link(named: "taken0")?.alias == nil)
    }

    @Test func removeRules() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        for name in ["bridge", "host", "none"] {
            await #expect(throws: BerthError.forbidden("\(name) is a pre-defined network and cannot be removed")) { try await c.remove(name) }
        }
        await #expect(throws: BerthError.notFound("network nope not found")) { try await c.remove("nope") }
        let n = try await c.create(NetworkCreateSpec(name: "gone"))
        try await c.remove(String(n.id.prefix(5)))
        #expect(try await f.netlink.link(named: n.bridgeName) == nil)
        #expect(try await f.store.networks().count == 3)
    }

    @Test func concurrentCreatesNeverShareASubnet() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let subnets = try await withThrowingTaskGroup(of: String.self) { group in
            for i in 0..<12 { group.addTask { try await c.create(NetworkCreateSpec(name: "n\(i)")).subnets[0].subnet.description } }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(Set(subnets).count == 12)
    }

    @Test func restartRestoresAndReconciles() async throws {
        let f = Fixture()
        let c1 = f.controller()
        try await c1.start()
        let n = try await c1.create(NetworkCreateSpec(name: "keep"))
        let gone = try await c1.create(NetworkCreateSpec(name: "gone"))
        // Simulate: the kernel lost "keep"'s bridge; "gone" vanished from the store but its bridge stayed.
        try await f.netlink.deleteLink(name: n.bridgeName)
        try await f.store.deleteNetwork(id: gone.id)

        let c2 = f.controller()
        try await c2.start()
        let again = try await c2.find("keep")
        #expect(again.id == n.id && again.subnets == n.subnets)
        #expect(try await f.netlink.link(named: n.bridgeName) != nil)
        #expect(try await f.netlink.link(named: gone.bridgeName) == nil)
        #expect(try await c2.list().map(\.name) == ["bridge", "host", "keep", "none"])
    }

    @Test func listFilters() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        var spec = NetworkCreateSpec(name: "alpine-net")
        spec.labels = ["tier": "front"]
        _ = try await c.create(spec)
        func names(_ v: [String: [String]]) async throws -> [String] { try await c.list(filter: NetworkFilter(v)).map(\.name) }
        #expect(try await names(["name": ["alpine"]]) == ["alpine-net"])
        #expect(try await names(["driver": ["bridge"]]) == ["alpine-net", "bridge"])
        #expect(try await names(["type": ["builtin"]]) == ["bridge", "host", "none"])
        #expect(try await names(["type": ["custom"]]) == ["alpine-net"])
        #expect(try await names(["label": ["tier=front"]]) == ["alpine-net"])
        #expect(try await names(["label": ["tier=back"]]) == [])
        #expect(try await names(["dangling": ["true"]]) == ["alpine-net"])
        await #expect(throws: BerthError.invalidArgument("invalid filter 'color'")) { try await c.list(filter: NetworkFilter(["color": ["red"]])) }
        await #expect(throws: BerthError.invalidArgument("invalid filter: 'type'='x'")) { try await c.list(filter: NetworkFilter(["type": ["x"]])) }
        await #expect(throws: BerthError.invalidArgument("got more than one value for filter key \"dangling\"")) {
            try await c.list(filter: NetworkFilter(["dangling": ["true", "false"]]))
        }
        await #expect(throws: BerthError.invalidArgument("invalid value for filter 'dangling', must be \"true\" (or \"1\"), or \"false\" (or \"0\")")) {
            try await c.list(filter: NetworkFilter(["dangling": ["maybe"]]))
        }
    }

    @Test("names as dockerd takes them: spaces and slashes yes, empty and predefined no")
    func networkNames() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        #expect(try await c.create(NetworkCreateSpec(name: "test 01")).name == "test 01")
        #expect(try await c.create(NetworkCreateSpec(name: "team/a")).name == "team/a")
        #expect(try await c.find("test 01").name == "test 01")
        await #expect(throws: BerthError.invalidArgument("invalid name: name is empty")) { try await c.create(NetworkCreateSpec(name: " ")) }
        for name in ["bridge", "host", "none", "default"] {
            await #expect(throws: BerthError.forbidden("operation is not permitted on predefined \(name) network ")) {
                try await c.create(NetworkCreateSpec(name: name))
            }
        }
    }

    @Test func pruneRemovesOnlyCustomNetworks() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        _ = try await c.create(NetworkCreateSpec(name: "a"))
        var b = NetworkCreateSpec(name: "b")
        b.labels = ["keep": "1"]
        _ = try await c.create(b)
        var d = NetworkCreateSpec(name: "d")
        d.labels = ["keep": "1", "color": "red"]
        _ = try await c.create(d)
        // Several `label!` values: left out only when all of them hold.
        #expect(try await c.prune(filter: NetworkFilter(["label!": ["keep", "color=red"]])) == ["a", "b"])
        #expect(try await c.prune(filter: NetworkFilter([:])) == ["d"])
        #expect(try await c.list().map(\.name) == ["bridge", "host", "none"])
        #expect(NetworkFilter.duration("1h30m") == 5_400_000_000_000)
    }

    @Test func ambiguousNamesAreErrors() throws {
        let a = Network(record: NetworkRecord(id: "abc" + String(repeating: "0", count: 61), name: "x", driver: "bridge", created: 0))
        let b = Network(record: NetworkRecord(id: "abd" + String(repeating: "0", count: 61), name: "x", driver: "bridge", created: 0))
        #expect(throws: BerthError.invalidArgument("network x is ambiguous (2 matches found based on name)")) { try NetworkLookup.find("x", in: [a, b]) }
        #expect(throws: BerthError.invalidArgument("network ab is ambiguous (2 matches found based on ID prefix)")) { try NetworkLookup.find("ab", in: [a, b]) }
        #expect(try NetworkLookup.find("abc", in: [a, b]).id == a.id)
    }
}
