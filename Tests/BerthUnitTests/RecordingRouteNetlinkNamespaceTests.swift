import BerthCore
import BerthNetlink
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The recording double's model of namespaces, endpoint links and routes: the same rules the
/// kernel tests check in `NetlinkNamespaceTests`, so code tested against the double behaves
/// the same on a real machine.
@Suite("RecordingRouteNetlink: namespaces, endpoints and routes")
struct RecordingRouteNetlinkNamespaceTests {
    private let v4 = CIDR(address: .v4(IPv4Address(172, 17, 0, 2)), prefixLength: 16)
    private let gateway4 = IPAddress.v4(IPv4Address(172, 17, 0, 1))

    @Test("a container endpoint as the bridge driver wires it, seen from both namespaces")
    func containerEndpoint() async throws {
        let host = RecordingRouteNetlink()
        let sandbox = host.view(namespaceFD: 7)
        try await host.createBridge(name: "br0", mtu: nil, alias: nil)
        try await host.createVeth(name: "veth1", peerName: "veth1c", peerNamespaceFD: 7, mtu: 1450)
        #expect(try await host.link(named: "veth1c") == nil)
        try await host.setMaster(name: "veth1", master: "br0")

        let born = try #require(try await sandbox.link(named: "veth1c"))
        #expect(born.kind == "veth" && born.mtu == 1450 && !born.isUp)
        try await sandbox.rename(name: "veth1c", to: "eth0")
        let mac = try #require(MACAddress("02:42:ac:11:00:02"))
        try await sandbox.setMAC(name: "eth0", mac: mac)
        try await sandbox.addAddress(v4, link: "eth0")
        try await sandbox.setLinkUp(name: "lo")
        try await sandbox.setLinkUp(name: "eth0")
        try await sandbox.addRoute(destination: nil, gateway: gateway4, link: "eth0")
        try await sandbox.addRoute(destination: nil, gateway: gateway4, link: "eth0")  // idempotent
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: EEXIST)) {
            try await sandbox.addRoute(destination: nil, gateway: IPAddress("172.17.0.3"), link: "eth0")
        }

        let eth0 = try #require(try await sandbox.link(named: "eth0"))
        #expect(eth0.mac == mac && eth0.isUp && eth0.index == born.index)
        #expect(try await sandbox.links().map(\.name) == ["lo", "eth0"])
        #expect(
            try await sandbox.routes() == [
                RouteInfo(family: .v4, gateway: gateway4, outputIndex: eth0.index),
                RouteInfo(family: .v4, destination: CIDR("172.17.0.0/16"), outputIndex: eth0.index),
            ])
        #expect(try await host.routes().isEmpty)

        // Each view records its own calls.
        #expect(host.calls.first == .createBridge(name: "br0", mtu: nil, alias: nil))
        #expect(host.calls.contains(.createVeth(name: "veth1", peerName: "veth1c", peerNamespaceFD: 7, mtu: 1450)))
        #expect(sandbox.calls.first == .link(named: "veth1c"))
        #expect(!sandbox.calls.contains { if case .createBridge = $0 { true } else { false } })

        // Deleting the host end takes the container end along, and its routes.
        try await host.deleteLink(name: "veth1")
        #expect(try await sandbox.links().map(\.name) == ["lo"])
        #expect(try await sandbox.routes().isEmpty)
    }

    @Test("destroying a sandbox namespace removes the host ends of its veth pairs")
    func destroyNamespace() async throws {
        let host = RecordingRouteNetlink()
        try await host.createVeth(name: "veth2", peerName: "eth0", peerNamespaceFD: 9, mtu: nil)
        try await host.createVeth(name: "veth3", peerName: "veth3p", mtu: nil)
        host.destroyNamespace(.fd(9))
        #expect(try await host.links().map(\.name) == ["lo", "veth3p", "veth3"])
        #expect(try await host.view(namespaceFD: 9).links().map(\.name) == ["lo"])
    }

    @Test("names need only be free where each end is born; one namespace needs two names")
    func vethNames() async throws {
        let host = RecordingRouteNetlink()
        try await host.createVeth(name: "v", peerName: "v", peerNamespaceFD: 3, mtu: nil)
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST)) {
            try await host.createVeth(name: "w", peerName: "lo", peerNamespaceFD: 3, mtu: nil)
        }
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST)) {
            try await host.createVeth(name: "x", peerName: "x", mtu: nil)
        }
        await #expect(throws: NetlinkError.self) {
            try await host.createVeth(name: "y", peerName: "z", peerNamespaceFD: -1, mtu: nil)
        }
        #expect(try await host.links().map(\.name) == ["lo", "v"])
    }

    @Test("setNamespace moves a link down and bare; its peer stays paired across namespaces")
    func moveKeepsPairing() async throws {
        let host = RecordingRouteNetlink()
        try await host.createVeth(name: "h", peerName: "c", mtu: nil)
        try await host.setLinkUp(name: "c")
        try await host.addAddress(v4, link: "c")
        try await host.setNamespace(name: "c", fd: 4)
        let container = host.view(namespaceFD: 4)
        let moved = try #require(try await container.link(named: "c"))
        #expect(!moved.isUp)
        #expect(try await container.addresses(link: "c").isEmpty)
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST)) {
            try await host.createVeth(name: "h2", peerName: "c", peerNamespaceFD: 4, mtu: nil)
        }
        try await container.deleteLink(name: "c")
        #expect(try await host.link(named: "h") == nil)
    }

    @Test("rename only while down, to a free valid name; MAC must be unicast")
    func renameAndMAC() async throws {
        let netlink = RecordingRouteNetlink()
        try await netlink.createVeth(name: "a", peerName: "b", mtu: nil)
        try await netlink.setLinkUp(name: "a")
        await #expect(throws: NetlinkError.kernel(operation: "RTM_SETLINK", errno: EBUSY)) {
            try await netlink.rename(name: "a", to: "eth0")
        }
        try await netlink.setLinkDown(name: "a")
        await #expect(throws: NetlinkError.kernel(operation: "RTM_SETLINK", errno: EEXIST)) {
            try await netlink.rename(name: "a", to: "b")
        }
        await #expect(throws: NetlinkError.self) { try await netlink.rename(name: "a", to: "a/b") }
        try await netlink.rename(name: "a", to: "eth0")
        #expect(try await netlink.links().map(\.name).sorted() == ["b", "eth0", "lo"])
        let multicast = try #require(MACAddress("01:00:5e:00:00:01"))
        await #expect(throws: NetlinkError.self) { try await netlink.setMAC(name: "eth0", mac: multicast) }
    }

    @Test("routes follow the kernel's rules: next hops, slots, metrics, tables, link down, ESRCH")
    func routeRules() async throws {
        let netlink = RecordingRouteNetlink()
        try await netlink.createVeth(name: "eth0", peerName: "peer", mtu: nil)
        let direct = try #require(CIDR("10.1.0.0/16"))
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: ENETDOWN)) {
            try await netlink.addRoute(destination: direct, gateway: nil, link: "eth0")
        }
        try await netlink.setLinkUp(name: "eth0")
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: ENETUNREACH)) {
            try await netlink.addRoute(destination: nil, gateway: gateway4, link: "eth0")
        }
        try await netlink.addAddress(v4, link: "eth0")
        try await netlink.addAddress(try #require(CIDR("fd00:17::2/64")), link: "eth0")
        try await netlink.addRoute(destination: nil, gateway: gateway4, link: "eth0")
        try await netlink.addRoute(destination: nil, gateway: IPAddress("172.17.0.3"), link: "eth0", table: nil, metric: 10)
        try await netlink.addRoute(destination: nil, gateway: IPAddress("fd00:17::1"), link: "eth0")
        try await netlink.addRoute(destination: CIDR("10.9.0.0/16"), gateway: gateway4, link: "eth0", table: 1000, metric: nil)
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: EHOSTUNREACH)) {
            try await netlink.addRoute(destination: nil, gateway: IPAddress("fd00:99::1"), link: "eth0", table: nil, metric: 5)
        }
        await #expect(throws: NetlinkError.self) {
            try await netlink.addRoute(destination: nil, gateway: nil, link: "eth0")  // family unknown
        }
        let routes = try await netlink.routes(link: "eth0")
        #expect(routes.map(\.family) == [.v4, .v4, .v4, .v6, .v6])
        #expect(routes.filter(\.isDefault).map(\.metric) == [nil, 10, 1024])
        #expect(routes.contains { $0.destination == CIDR("fd00:17::/64") && $0.metric == 256 })
        #expect(!routes.contains { $0.table == 1000 })

        // Deleting: gateway must match when given; missing routes are ESRCH.
        await #expect(throws: NetlinkError.kernel(operation: "RTM_DELROUTE", errno: ESRCH)) {
            try await netlink.deleteRoute(destination: nil, gateway: IPAddress("172.17.0.9"), link: "eth0")
        }
        try await netlink.deleteRoute(destination: CIDR("0.0.0.0/0"), gateway: nil, link: "eth0", table: nil, metric: 10)
        try await netlink.deleteRoute(destination: CIDR("10.9.0.0/16"), gateway: nil, link: "eth0", table: 1000, metric: nil)
        #expect(try await netlink.routes().filter(\.isDefault).map(\.metric) == [nil, 1024])

        // Down: routes flushed, IPv6 addresses dropped, IPv4 kept; up again: only connected routes.
        try await netlink.setLinkDown(name: "eth0")
        #expect(try await netlink.routes().isEmpty)
        #expect(try await netlink.addresses(link: "eth0") == [v4])
        try await netlink.setLinkUp(name: "eth0")
        let index = try #require(try await netlink.link(named: "eth0")).index
        #expect(try await netlink.routes() == [RouteInfo(family: .v4, destination: CIDR("172.17.0.0/16"), outputIndex: index)])
        await #expect(throws: NetlinkError.kernel(operation: "RTM_GETLINK", errno: ENODEV)) {
            try await netlink.routes(link: "missing")
        }
    }
}
