import BerthCore
import BerthNetlink
import BerthStore
import Testing

@testable import BerthNetwork

/// A restart resolving the intents of network changes a crash cut: creates and connects are
/// rolled back, removals and disconnects forward. The crash is modelled by writing the state a
/// kill at that step leaves (intent, records, kernel) and starting a second controller on it.
@Suite struct JournalRepairTests {
    typealias Fixture = EndpointTests.Fixture

    @Test func aCreateCutBeforeTheAliasLosesItsBridgeButNobodyElsesIs() async throws {
        let f = Fixture()
        try await f.controller().start()
        var record = JournalTests.network("cut")
        record.options = [BridgeOptions.name: "br-cut"]
        var foreign = JournalTests.network("foreign")
        foreign.options = [BridgeOptions.name: "br-theirs"]
        // The kill came between RTM_NEWLINK and the alias; another tool owns br-theirs.
        try await f.netlink.createBridge(name: "br-cut", mtu: nil, alias: nil)
        try await f.netlink.createBridge(name: "br-theirs", mtu: nil, alias: "made-by-someone-else")
        for r in [record, foreign] {
            _ = try await JournaledChange.begin(.networkCreate, subject: r.id, plan: [IntentRecord.PlanKey.network: IntentRecord.json(r)], in: f.store)
        }
        let c = f.controller()
        try await c.start()
        #expect(try await f.netlink.link(named: "br-cut") == nil)
        #expect(try await f.netlink.link(named: "br-theirs") != nil)
        #expect(try await f.store.intents().isEmpty)
        #expect(try await c.list().contains { $0.name == "cut" } == false)
        // The name and the bridge name are free again.
        var again = NetworkCreateSpec(name: "cut")
        again.options = [BridgeOptions.name: "br-cut"]
        #expect(try await c.create(again).bridgeName == "br-cut")
    }

    @Test func aRemovalCutAfterTheDeviceWentIsFinishedNotResurrected() async throws {
        let f = Fixture()
        let c1 = f.controller()
        try await c1.start()
        let net = try await c1.create(NetworkCreateSpec(name: "doomed"))
        _ = try await JournaledChange.begin(.networkRemove, subject: net.id, in: f.store)
        try await f.netlink.deleteLink(name: net.bridgeName)
        let c2 = f.controller()
        try await c2.start()
        #expect(try await c2.list().contains { $0.id == net.id } == false)
        #expect(try await f.store.networks().contains { $0.id == net.id } == false)
        #expect(try await f.netlink.link(named: net.bridgeName) == nil)
        #expect(try await f.store.intents().isEmpty)
    }

    @Test func aConnectCutAfterTheVethIsRolledBackAndItsAddressIsFree() async throws {
        let f = Fixture()
        let c1 = f.controller()
        try await c1.start()
        let net = try await c1.create(NetworkCreateSpec(name: "n1"))
        // What a kill after the join leaves: the veth and its address, an intent, no record.
        let e = try await c1.connect("n1", EndpointTests.request(1))
        try await f.store.commit([.deleteEndpoint(e.id)])
        _ = try await JournaledChange.begin(.connect, subject: e.containerID, network: net.id,
                                            plan: [IntentRecord.PlanKey.endpoint: IntentRecord.json(e)], in: f.store)
        let c2 = f.controller()
        try await c2.start()
        #expect(try await f.netlink.link(named: e.hostInterface) == nil)
        #expect(try await f.sandboxes.inside("/sb/1").link(named: "eth0") == nil)
        #expect(try await f.store.intents().isEmpty)
        #expect(try await c2.connect("n1", EndpointTests.request(2)).ipv4Address == e.ipv4Address)
    }

    @Test func aDisconnectCutAfterItsDeleteGivesTheDefaultRouteToTheHeir() async throws {
        let f = Fixture()
        let c1 = f.controller()
        try await c1.start()
        let net = try await c1.create(NetworkCreateSpec(name: "n1"))
        let first = try await c1.connect("n1", EndpointTests.request(4))
        _ = try await c1.connect("bridge", EndpointTests.request(4))
        // A kill after the record's delete, before the heir took the route.
        let change = try await JournaledChange.begin(
            .disconnect, subject: first.containerID, network: net.id,
            plan: [IntentRecord.PlanKey.endpoint: IntentRecord.json(first), IntentRecord.PlanKey.gateway: "1"], in: f.store)
        try await f.netlink.deleteLink(name: first.hostInterface)
        try await change.advance("deleted", changes: [.deleteEndpoint(first.id)])
        let inside = f.sandboxes.inside("/sb/4")
        #expect(try await inside.routes(link: nil).contains { $0.isDefault } == false)
        let c2 = f.controller()
        try await c2.start()
        // Left for after the sandboxes are pinned again.
        #expect(try await f.store.intents().count == 1)
        try await c2.resolveCutDisconnects()
        #expect(try await inside.routes(link: "eth1").contains { $0.isDefault && $0.gateway?.description == "172.17.0.1" })
        #expect(try await f.store.intents().isEmpty)
    }

    @Test func aFailedCreateOrConnectLeavesNoIntent() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        f.netlink.failNext(where: { if case .createBridge = $0 { true } else { false } }, with: NetlinkError.kernel(operation: "RTM_NEWLINK", errno: 12))
        await #expect(throws: BerthError.self) { try await c.create(NetworkCreateSpec(name: "n1")) }
        _ = try await c.create(NetworkCreateSpec(name: "n2"))
        f.netlink.failNext(where: { if case .setMaster = $0 { true } else { false } }, with: NetlinkError.kernel(operation: "RTM_SETLINK", errno: 16))
        await #expect(throws: BerthError.self) { try await c.connect("n2", EndpointTests.request(1)) }
        #expect(try await f.store.intents().isEmpty)
        #expect(try await f.store.networks().map(\.name).contains("n1") == false)
    }
}
