import BerthCluster
import BerthCore
import BerthNetlink
import BerthStore
import Logging
import Testing

@testable import BerthNetwork

/// Overlay networks across "hosts": controllers with stores of their own sharing one in-memory
/// cluster store, as berthd on several machines share one etcd.
@Suite struct GlobalNetworkTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    struct Host {
        let store = MemoryStore()
        let controller: NetworkController

        init(cluster: (any ClusterStore)?) async throws {
            controller = NetworkController(
                store: store,
                drivers: [BridgeDriver(netlink: RecordingRouteNetlink(), sysctls: RecordingSysctls(), logger: GlobalNetworkTests.quiet),
                          OverlayDriver(), PassiveDriver(name: "host"), PassiveDriver(name: "null")],
                config: NetworkConfig(), logger: GlobalNetworkTests.quiet)
            try await controller.start()
            if let cluster {
                await controller.attachCluster(cluster)
                await controller.waitForClusterSync()
            }
        }
    }

    static func overlay(_ name: String, subnet: String? = nil, options: [String: String] = [:]) -> NetworkCreateSpec {
        var s = NetworkCreateSpec(name: name)
        s.driver = "overlay"
        s.options = options
        if let subnet { s.subnets = [.init(subnet: subnet)] }
        return s
    }

    /// Polls until `condition` holds on the host (the watch delivers asynchronously).
    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test func aNetworkMadeOnOneHostShowsOnTheOthersWithGlobalScopeAndGoesWithItsRemoval() async throws {
        let kv = MemoryClusterStore()
        let h1 = try await Host(cluster: kv), h2 = try await Host(cluster: kv), h3 = try await Host(cluster: kv)
        let made = try await h1.controller.create(Self.overlay("ovnet"))
        #expect(made.record.scope == "global")
        #expect(made.subnets.map(\.subnet.description) == ["10.0.0.0/24"])
        #expect(made.subnets.map(\.gateway.description) == ["10.0.0.1"])
        #expect(made.record.options[OverlayDriver.vxlanIDOption] == "4096")
        for h in [h2, h3] {
            #expect(try await Self.eventually { (try? await h.controller.find("ovnet"))?.id == made.id })
            // Each host keeps a copy in its own store, for a restart while etcd is down.
            #expect(try await h.store.networks().contains { $0.id == made.id && $0.scope == "global" })
        }
        try await h3.controller.remove("ovnet")
        for h in [h1, h2, h3] {
            #expect(try await Self.eventually { (try? await h.controller.find("ovnet")) == nil })
            #expect(try await Self.eventually { try await !h.store.networks().contains { $0.id == made.id } })
        }
        #expect(kv.count == 0, "the network's name, VXLAN id and subnet keys went with it")
    }

    @Test func namesSubnetsAndVXLANIDsAreTakenOnceAcrossTheCluster() async throws {
        let kv = MemoryClusterStore()
        let h1 = try await Host(cluster: kv), h2 = try await Host(cluster: kv)
        _ = try await h1.controller.create(Self.overlay("a", subnet: "10.77.0.0/24", options: [OverlayDriver.vxlanIDOption: "5000"]))
        // h2 has not necessarily seen it yet: the cluster store refuses all the same.
        await #expect(throws: BerthError.conflict("network with name a already exists")) { try await h2.controller.create(Self.overlay("a")) }
        await #expect(throws: BerthError.forbidden("Pool overlaps with other one on this address space")) {
            try await h2.controller.create(Self.overlay("b", subnet: "10.77.0.0/24"))
        }
        await #expect(throws: BerthError.self) {
            try await h2.controller.create(Self.overlay("c", options: [OverlayDriver.vxlanIDOption: "5000"]))
        }
        // Nothing half-made by the refusals.
        #expect(kv.count == 4)
        #expect(try await Self.eventually { try await h2.controller.list().filter { $0.record.scope == "global" }.map(\.name) == ["a"] })
    }

    @Test func hostsCreatingAtOnceGetDistinctSubnetsAndVXLANIDs() async throws {
        let kv = MemoryClusterStore()
        let hosts = [try await Host(cluster: kv), try await Host(cluster: kv), try await Host(cluster: kv)]
        let made = try await withThrowingTaskGroup(of: Network.self) { g in
            for i in 0..<9 { g.addTask { try await hosts[i % 3].controller.create(Self.overlay("n\(i)")) } }
            return try await g.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(made.flatMap { $0.subnets.map(\.subnet) }).count == 9)
        #expect(Set(made.compactMap { OverlayDriver.vni(of: $0.record) }).count == 9)
        // A race for one name: exactly one host wins.
        let wins = await withTaskGroup(of: Bool.self) { g in
            for h in hosts { g.addTask { (try? await h.controller.create(Self.overlay("same"))) != nil } }
            return await g.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
    }

    @Test func withoutAClusterStoreOverlayIsRefusedAsDockerdDoesAndBadOptionsAreNamed() async throws {
        let lone = try await Host(cluster: nil)
        await #expect(throws: BerthError.forbidden(NetworkController.notInCluster)) { try await lone.controller.create(Self.overlay("x")) }
        let h = try await Host(cluster: MemoryClusterStore())
        await #expect(throws: BerthError.self) { try await h.controller.create(Self.overlay("x", options: ["encrypted": ""])) }
        await #expect(throws: BerthError.self) { try await h.controller.create(Self.overlay("x", options: [OverlayDriver.vxlanIDOption: "0"])) }
        var wrongScope = Self.overlay("x")
        wrongScope.scope = "local"
        await #expect(throws: BerthError.invalidArgument("invalid scope \"local\": overlay networks are global; omit --scope or use --scope global")) {
            try await h.controller.create(wrongScope)
        }
        var swarm = Self.overlay("y")
        swarm.scope = "swarm"
        #expect(try await h.controller.create(swarm).record.scope == "global")
    }

    @Test func aStoreThatIsDownFailsOverlayChangesClearlyAndLeavesLocalOnesAlone() async throws {
        let kv = MemoryClusterStore()
        let h = try await Host(cluster: kv)
        _ = try await h.controller.create(Self.overlay("kept"))
        kv.setDown(true)
        do {
            _ = try await h.controller.create(Self.overlay("new"))
            Issue.record("an overlay create succeeded with the store down")
        } catch let e as BerthError {
            #expect(e.code == .unavailable && e.message.hasPrefix("cannot create overlay network new: cluster store"), "\(e.message)")
        }
        await #expect(throws: BerthError.self) { try await h.controller.remove("kept") }
        // Local networks and the mirrored overlay network are untouched.
        #expect(try await h.controller.create(NetworkCreateSpec(name: "local1")).record.scope == "local")
        #expect(try await h.controller.find("kept").record.scope == "global")
        kv.setDown(false)
        try await Task.sleep(for: .milliseconds(1200))  // the watch comes back within a second
        try await h.controller.remove("kept")
        #expect(kv.count == 0)
    }

    @Test func aHostThatMissedChangesCatchesUpWhenItFollowsTheClusterAgain() async throws {
        let kv = MemoryClusterStore()
        let h1 = try await Host(cluster: kv)
        let h2 = try await Host(cluster: kv)
        _ = try await h1.controller.create(Self.overlay("old"))
        #expect(try await Self.eventually { (try? await h2.controller.find("old")) != nil })
        // h2 is cut off; meanwhile "old" goes and "new" comes.
        kv.setDown(true)
        kv.setDown(false)
        try await h1.controller.remove("old")
        _ = try await h1.controller.create(Self.overlay("new"))
        #expect(try await Self.eventually {
            let new = try? await h2.controller.find("new")
            let old = try? await h2.controller.find("old")
            return new != nil && old == nil
        })
    }
}
