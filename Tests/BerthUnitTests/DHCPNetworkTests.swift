import BerthCore
import BerthDHCP
import BerthNetlink
import BerthStore
import Synchronization
import Testing

@testable import BerthNetwork

/// A DHCP server on the LAN as the driver sees it: hands out 192.168.7.50 and up, records what
/// it was asked, and can be silenced. It checks the interface is up (and bare) when asked.
final class ScriptedDHCPClient: DHCPClient {
    enum Call: Equatable {
        case acquire(fd: Int32, interface: String, mac: String, hostname: String?, requested: IPv4Address?, upAndBare: Bool)
        case renew(IPv4Address)
        case release(IPv4Address, interface: String, mac: String)
    }

    let lan: RecordingRouteNetlink
    let calls = Mutex<[Call]>([])
    let silent = Mutex(false)
    private let next = Mutex<UInt32>(50)

    init(lan: RecordingRouteNetlink) { self.lan = lan }

    static let router = IPv4Address(192, 168, 7, 1)
    static let server = IPv4Address(192, 168, 7, 254)

    func acquire(namespaceFD: Int32, interface: String, mac: MACAddress, hostname: String?, requested: IPv4Address?) async throws -> DHCPLease {
        let inside = lan.view(namespaceFD: namespaceFD)
        let up = try await inside.link(named: interface)?.isUp == true
        let bare = try await inside.addresses(link: interface).isEmpty
        calls.withLock { $0.append(.acquire(fd: namespaceFD, interface: interface, mac: mac.description, hostname: hostname, requested: requested, upAndBare: up && bare)) }
        if silent.withLock({ $0 }) { throw DHCPError("no DHCP server answered on \(interface)") }
        let address = requested ?? IPv4Address(192 << 24 | 168 << 16 | 7 << 8 | next.withLock { n in defer { n += 1 }; return n })
        return DHCPLease(address: address, prefixLength: 24, router: Self.router, server: Self.server, leaseTime: 600)
    }

    func renew(_ lease: DHCPLease, namespaceFD: Int32, interface: String, mac: MACAddress) async throws -> DHCPLease {
        calls.withLock { $0.append(.renew(lease.address)) }
        return lease
    }

    func release(_ lease: DHCPLease, namespaceFD: Int32, interface: String, mac: MACAddress) async {
        calls.withLock { $0.append(.release(lease.address, interface: interface, mac: mac.description)) }
    }

    var recorded: [Call] { calls.withLock { $0 } }
}

/// `--ipam-driver dhcp` on macvlan against the recording netlink and a scripted server: the
/// lease becomes the endpoint's address and route, goes back at disconnect, is asked for again
/// after a restart; what cannot lease is refused before anything is made.
@Suite struct DHCPNetworkTests {
    static func spec(_ name: String = "lan", driver: String = "macvlan", options: [String: String] = ["parent": "lan0"]) -> NetworkCreateSpec {
        var s = NetworkCreateSpec(name: name)
        s.driver = driver
        s.options = options
        s.ipamDriver = "dhcp"
        return s
    }

    static func machine() async throws -> (EndpointTests.Fixture, ScriptedDHCPClient, NetworkController) {
        let f = EndpointTests.Fixture()
        try await f.netlink.createVeth(name: "lan0", peerName: "lan1", mtu: nil)
        let dhcp = ScriptedDHCPClient(lan: f.netlink)
        let c = f.controller(macvlan: true, dhcp: dhcp)
        try await c.start()
        return (f, dhcp, c)
    }

    @Test func anEndpointCarriesItsLeaseAndGivesItBackWhenItLeaves() async throws {
        let (f, dhcp, c) = try await Self.machine()
        let n = try await c.create(Self.spec())
        #expect(n.record.ipamDriver == "dhcp" && n.subnets.isEmpty)
        #expect(try await f.store.networks().first { $0.id == n.id }?.ipamDriver == "dhcp")

        let e = try await c.connect("lan", EndpointTests.request(1))
        #expect(e.ipv4Address == "192.168.7.50/24" && e.gateway4 == "192.168.7.1")
        #expect(dhcp.recorded == [.acquire(fd: f.sandboxes.fd("/sb/1"), interface: "eth0", mac: e.macAddress, hostname: "alpine1", requested: nil, upAndBare: true)])
        let inside = f.sandboxes.inside("/sb/1")
        #expect(try await inside.link(named: "eth0")?.mac?.description == e.macAddress)
        #expect(try await inside.addresses(link: "eth0").map(\.description) == ["192.168.7.50/24"])
        #expect(try await inside.routes(link: "eth0").contains { $0.isDefault && $0.gateway?.description == "192.168.7.1" })
        #expect(try await f.store.endpoints().first { $0.id == e.id }?.ipv4Address == "192.168.7.50/24")

        let second = try await c.connect("lan", EndpointTests.request(2))
        #expect(second.ipv4Address == "192.168.7.51/24" && second.macAddress != e.macAddress)

        try await c.disconnect("lan", containerID: EndpointTests.request(1).containerID)
        #expect(dhcp.recorded.last == .release(IPv4Address(192, 168, 7, 50), interface: "eth0", mac: e.macAddress))
        #expect(try await inside.link(named: "eth0") == nil)
    }

    @Test func aServerThatDoesNotAnswerFailsTheConnectAndLeavesNothing() async throws {
        let (f, dhcp, c) = try await Self.machine()
        _ = try await c.create(Self.spec())
        dhcp.silent.withLock { $0 = true }
        let error = await #expect(throws: BerthError.self) { try await c.connect("lan", EndpointTests.request(1)) }
        #expect(error?.code == .internalError && error?.message == "cannot lease an address for alpine1: no DHCP server answered on eth0")
        #expect(try await f.sandboxes.inside("/sb/1").link(named: "eth0") == nil)
        #expect(try await f.store.endpoints().isEmpty)
        #expect(!dhcp.recorded.contains { if case .release = $0 { true } else { false } })
    }

    @Test func whatCannotLeaseIsRefusedBeforeAnythingIsMade() async throws {
        let (f, _, c) = try await Self.machine()
        let links = try await f.netlink.links().count
        await #expect(throws: BerthError.invalidArgument("the dhcp IPAM driver leases addresses on macvlan networks only, not on bridge networks; use -d macvlan -o parent=IF")) {
            try await c.create(Self.spec(driver: "bridge", options: [:]))
        }
        await #expect(throws: BerthError.invalidArgument("the dhcp IPAM driver leases addresses on macvlan networks only, not on ipvlan networks; use -d macvlan -o parent=IF")) {
            try await c.create(Self.spec(driver: "ipvlan"))
        }
        var subnet = Self.spec()
        subnet.subnets = [.init(subnet: "192.168.7.0/24")]
        await #expect(throws: BerthError.invalidArgument("the dhcp IPAM driver takes no --subnet, --ip-range, --gateway or --aux-address: the DHCP server on the LAN hands out the addresses")) {
            try await c.create(subnet)
        }
        var v6 = Self.spec()
        v6.enableIPv6 = true
        await #expect(throws: BerthError.invalidArgument("the dhcp IPAM driver leases IPv4 addresses only (no DHCPv6): drop --ipv6")) {
            try await c.create(v6)
        }
        await #expect(throws: BerthError.invalidArgument("a network with the dhcp IPAM driver needs a parent that reaches a DHCP server: add -o parent=IF")) {
            try await c.create(Self.spec(options: [:]))
        }
        var other = Self.spec()
        other.ipamDriver = "infoblox"
        await #expect(throws: BerthError.notFound("plugin \"infoblox\" not found")) { try await c.create(other) }
        #expect(try await f.netlink.links().count == links)
        #expect(try await f.store.networks().allSatisfy { $0.predefined })

        _ = try await c.create(Self.spec())
        await #expect(throws: BerthError.invalidArgument("user specified IP address is supported only when connecting to networks with user configured subnets")) {
            try await c.connect("lan", EndpointTests.request(1, ip: "192.168.7.9"))
        }
    }

    @Test func withoutADHCPClientTheDriverOffersNoLeases() async throws {
        let f = EndpointTests.Fixture()
        try await f.netlink.createVeth(name: "lan0", peerName: "lan1", mtu: nil)
        let c = f.controller(macvlan: true)
        try await c.start()
        await #expect(throws: BerthError(.notImplemented, "this daemon has no DHCP client; --ipam-driver dhcp is not available")) {
            try await c.create(Self.spec())
        }
    }

    @Test func afterARestartTheSameAddressIsAskedForAgain() async throws {
        let (f, dhcp, c) = try await Self.machine()
        _ = try await c.create(Self.spec())
        let e = try await c.connect("lan", EndpointTests.request(1))
        let again = f.controller(macvlan: true, dhcp: dhcp)
        try await again.start()
        #expect(dhcp.recorded.count == 1, "nothing is asked before the sandboxes are back")
        await again.resumeDrivers()
        let want = ScriptedDHCPClient.Call.acquire(
            fd: f.sandboxes.fd("/sb/1"), interface: "eth0", mac: e.macAddress, hostname: "alpine1",
            requested: IPv4Address(192, 168, 7, 50), upAndBare: false)
        for _ in 0..<200 where !dhcp.recorded.contains(want) { try await Task.sleep(nanoseconds: 10_000_000) }
        #expect(dhcp.recorded.contains(want))
        #expect(await again.endpoints(network: e.networkID).map(\.ipv4Address) == ["192.168.7.50/24"])
    }
}
