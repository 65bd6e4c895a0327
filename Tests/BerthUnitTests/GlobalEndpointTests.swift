import BerthCluster
import BerthCore
import BerthNetlink
import BerthStore
import Logging
import Testing

@testable import BerthDNS
@testable import BerthNetwork

/// Endpoints of overlay networks across "hosts" sharing one in-memory cluster store: addresses
/// claimed cluster-wide, endpoints published on the host's lease, and each host's plane
/// programmed with the others' containers (FDB and neighbour entries) and its DNS fed their names.
@Suite struct GlobalEndpointTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    struct Host {
        let netlink = RecordingRouteNetlink()
        let sandboxes: RecordingSandboxes
        let records = ServiceRecords()
        let controller: NetworkController
        let membership: ClusterMembership
        let underlay: String

        init(_ n: Int, cluster: MemoryClusterStore) async throws {
            underlay = "10.98.0.\(10 + n)"
            sandboxes = RecordingSandboxes(host: netlink)
            let fabric = OverlayFabric(netlink: netlink, sandboxes: sandboxes, directory: "/run/ov", logger: GlobalEndpointTests.quiet,
                                       local: IPAddress(underlay))
            controller = NetworkController(
                store: MemoryStore(),
                drivers: [BridgeDriver(netlink: netlink, sysctls: RecordingSysctls(), logger: GlobalEndpointTests.quiet),
                          OverlayDriver(fabric: fabric), PassiveDriver(name: "host"), PassiveDriver(name: "null")],
                config: NetworkConfig(), logger: GlobalEndpointTests.quiet, sandboxes: sandboxes)
            try await controller.start()
            membership = ClusterMembership(store: cluster, host: .init(id: "host\(n)", name: "h\(n)", address: underlay), ttl: 10, reservationTTL: 60, interval: .milliseconds(10))
            await membership.start()
            await membership.waitJoined()
            await controller.attachCluster(cluster, membership: membership, records: records)
            await controller.waitForClusterSync()
        }

        func connect(_ n: Int, to network: String = "ovnet", ip: String? = nil, aliases: [String] = []) async throws -> EndpointRecord {
            try await controller.connect(network, EndpointRequest(
                containerID: String(repeating: "\(n)", count: 64), containerName: "c\(n)", sandboxKey: "/sb/\(n)", ipv4: ip, aliases: aliases))
        }

        /// The recording view of a network's plane namespace.
        func plane(_ network: Network) -> RecordingRouteNetlink { sandboxes.inside("/run/ov/" + network.id.prefix(12)) }
    }

    static func overlay(_ name: String, subnet: String? = nil) -> NetworkCreateSpec {
        var s = NetworkCreateSpec(name: name)
        s.driver = "overlay"
        if let subnet { s.subnets = [.init(subnet: subnet)] }
        return s
    }

    static func eventually(_ condition: () async throws -> Bool) async throws -> Bool {
        for _ in 0..<200 {
            if try await condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Moves the store's clock a second at a time, letting the live hosts renew their leases.
    static func pass(seconds: Int, _ kv: MemoryClusterStore) async throws {
        for _ in 0..<seconds {
            kv.advance(seconds: 1)
            try await Task.sleep(for: .milliseconds(40))
        }
    }

    @Test func aJoinClaimsItsAddressAndPublishesTheEndpointOnTheHostsLeases() async throws {
        let kv = MemoryClusterStore()
        let h1 = try await Host(1, cluster: kv)
        let net = try await h1.controller.create(Self.overlay("ovnet"))
        let e = try await h1.connect(1, aliases: ["web"])
        #expect(e.ipv4Address == "10.0.0.2/24")
        let claim = try #require(try await kv.get("ipam/\(net.id)/10.0.0.2"))
        #expect(String(decoding: claim.value, as: UTF8.self) == "host1 \(e.id)")
        #expect(claim.lease == (try await h1.membership.currentReservationLease()))
        let published = try #require(try await kv.get("endpoints/\(net.id)/\(e.id)"))
        #expect(published.lease == (try await h1.membership.currentLease()))
        let peer = try #require(OverlayPeer(jsonBytes: published.value))
        #expect(peer.containerName == "c1" && peer.aliases == ["web"] && peer.hostAddress == "10.98.0.11" && peer.macAddress == e.macAddress)

        // The plane: a bridge and the VXLAN device made on the underlay and moved in.
        let vx = "vx-" + net.id.prefix(12)
        #expect(h1.netlink.calls.contains(.createVXLAN(name: vx, vni: 4096, local: IPv4Address("10.98.0.11")!, port: 4789, mtu: 1450)))
        let plane = h1.plane(net)
        #expect(plane.calls.contains(.createBridge(name: "br0", mtu: 1450, alias: nil)))
        #expect(plane.calls.contains(.setMaster(name: vx, master: "br0")))
        #expect(plane.calls.contains(.setMaster(name: e.hostInterface, master: "br0")))

        try await h1.controller.disconnect("ovnet", containerID: e.containerID)
        #expect(try await kv.range("ipam/", prefix: true).kvs.isEmpty)
        #expect(try await kv.range("endpoints/", prefix: true).kvs.isEmpty)
    }

    @Test func anAddressAnotherHostHasIsNeverHandedOutHere() async throws {
        let kv = MemoryClusterStore()
        let h1 = try await Host(1, cluster: kv), h2 = try await Host(2, cluster: kv)
        _ = try await h1.controller.create(Self.overlay("ovnet", subnet: "10.10.0.0/24"))
        #expect(try await Self.eventually { (try? await h2.controller.find("ovnet")) != nil })
        let a = try await h1.connect(1)
        #expect(try await Self.eventually { await h2.controller.clusterHeld.values.contains { $0.contains(IPAddress("10.10.0.2")!) } })
        let b = try await h2.connect(2)
        #expect(a.ipv4Address == "10.10.0.2/24" && b.ipv4Address == "10.10.0.3/24")
        // Asked for by address: dockerd's words, nothing left behind.
        await #expect(throws: BerthError.self) { _ = try await h2.connect(3, ip: "10.10.0.2") }
        #expect(await h2.controller.endpoints(network: try await h2.controller.find("ovnet").id).count == 1)

        // A race the watch did not see yet: the key is there, the local IPAM does not know it.
        let net = try await h2.controller.find("ovnet")
        _ = try await kv.create("ipam/\(net.id)/10.10.0.4", Array("ghost e9".utf8))
        await h2.controller.forgetHeldForTest(net.id, IPAddress("10.10.0.4")!)
        let c = try await h2.connect(4)
        #expect(c.ipv4Address == "10.10.0.5/24", "the taken address is skipped: \(c.ipv4Address)")
    }

    @Test func eachHostProgramsAndResolvesTheOthersContainersAndForgetsThemWhenTheyGo() async throws {
        let kv = MemoryClusterStore()
        let h1 = try await Host(1, cluster: kv), h2 = try await Host(2, cluster: kv)
        let net = try await h1.controller.create(Self.overlay("ovnet"))
        #expect(try await Self.eventually { (try? await h2.controller.find("ovnet")) != nil })
        let e2 = try await h2.connect(2)
        let e1 = try await h1.connect(1, aliases: ["web"])
        let vx = "vx-" + net.id.prefix(12)
        let mac1 = try #require(MACAddress(e1.macAddress))
        let plane2 = h2.plane(net)
        // Host 2 reaches c1 through host 1's underlay address.
        #expect(try await Self.eventually {
            plane2.calls.contains(.replaceForwarding(mac: mac1, destination: IPAddress("10.98.0.11")!, link: vx))
                && plane2.calls.contains(.replaceNeighbour(IPAddress("10.0.0.3")!, mac: mac1, link: vx))
        })
        // And resolves it by name and alias on the network, not on others.
        #expect(h2.records.lookup(name: "c1", networkIDs: [net.id]).map(\.ipv4?.description) == ["10.0.0.3"])
        #expect(h2.records.lookup(name: "web", networkIDs: [net.id]).count == 1)
        #expect(h2.records.lookup(name: "c1", networkIDs: ["other"]).isEmpty)
        // Host 1 got host 2's container, which was there before it joined.
        #expect(h1.plane(net).calls.contains(.replaceForwarding(mac: MACAddress(e2.macAddress)!, destination: IPAddress("10.98.0.12")!, link: vx)))
        // A host never programs its own containers.
        #expect(!plane2.calls.contains { if case .replaceForwarding(_, let dst, _) = $0 { dst == IPAddress("10.98.0.12")! } else { false } })

        plane2.clearCalls()
        try await h1.controller.disconnect("ovnet", containerID: e1.containerID)
        #expect(try await Self.eventually {
            plane2.calls.contains(.deleteForwarding(mac: mac1, destination: IPAddress("10.98.0.11")!, link: vx))
                && plane2.calls.contains(.deleteNeighbour(IPAddress("10.0.0.3")!, link: vx))
        })
        #expect(h2.records.lookup(name: "c1", networkIDs: [net.id]).isEmpty)
    }

    @Test func aHostWhoseLeaseRunsOutIsForgottenButItsAddressesStayReserved() async throws {
        let kv = MemoryClusterStore()
        let h1 = try await Host(1, cluster: kv), h2 = try await Host(2, cluster: kv)
        let net = try await h1.controller.create(Self.overlay("ovnet"))
        #expect(try await Self.eventually { (try? await h2.controller.find("ovnet")) != nil })
        _ = try await h2.connect(2)
        let e1 = try await h1.connect(1)
        #expect(try await Self.eventually { !(await h2.controller.remoteEndpoints(network: net.id)).isEmpty })
        // Host 1 stops renewing (it died): after its TTL its endpoint goes, its address does not.
        await h1.membership.leave(revoke: false)
        try await Self.pass(seconds: 11, kv)
        #expect(try await Self.eventually { (await h2.controller.remoteEndpoints(network: net.id)).isEmpty })
        #expect(h2.records.lookup(name: "c1", networkIDs: [net.id]).isEmpty)
        #expect(try await kv.get("ipam/\(net.id)/10.0.0.3") != nil)
        let e3 = try await h2.connect(3)
        #expect(e3.ipv4Address != e1.ipv4Address)
        try await Self.pass(seconds: 60, kv)
        #expect(try await kv.get("ipam/\(net.id)/10.0.0.3") == nil)
    }
}
