import BerthAPI
import BerthCore
import BerthFirewall
import BerthNetlink
import BerthStore
import Logging
import Testing

@testable import BerthContainers
@testable import BerthNetwork

/// The host firewall without root: the rules and elements `HostRules` renders, the port
/// allocator's conflicts, `-p` parsing, and the controller's calls through a recording nftables.
@Suite struct HostFirewallTests {
    static let web = PublishedPort(proto: .tcp, hostIP: "0.0.0.0", hostPort: 8080, containerIP: "172.17.0.2", containerPort: 80)

    @Test func rebuildKeepsTheUserChainAndRefillsEverythingElse() {
        let net = FirewallNetwork(bridge: "br-1", subnets: [CIDR("172.18.0.0/16")!, CIDR("fd00::/64")!])
        let script = HostRules.rebuild(networks: [net], ports: [Self.web])
        // The user chain is declared (created if missing) but never flushed.
        #expect(script.contains("\tchain user {\n\t}\n"))
        #expect(!script.contains("flush chain inet berth user"))
        for chain in ["forward", "guard", "prerouting", "output", "postrouting", "published"] {
            #expect(script.contains("flush chain inet berth \(chain)\n"), "\(chain)")
        }
        #expect(script.contains("flush map inet berth ports4\n") && script.contains("flush set inet berth bridges\n"))
        #expect(script.contains("table bridge berth {\n\tset isolated_ports { type ifname; }\n"))
        #expect(script.contains("add rule bridge berth forward iifname @isolated_ports oifname @isolated_ports meta protocol { ip, ip6 } drop\n"))
        // The first forward rule hands over to the administrator's chain.
        let forward = script.split(separator: "\n").filter { $0.hasPrefix("add rule inet berth forward ") }
        #expect(forward.first == "add rule inet berth forward jump user")
        #expect(script.contains("add element inet berth bridges { \"br-1\" }\n"))
        #expect(script.contains("add element inet berth masq4 { 172.18.0.0/16 }\n"))
        #expect(script.contains("add element inet berth masq6 { fd00::/64 }\n"))
        #expect(script.contains("add element inet berth ports4 { tcp . 8080 : 172.17.0.2 . 80 }\n"))
    }

    @Test func networkOptionsDecideTheElements() {
        let normal = HostRules.elements(of: FirewallNetwork(bridge: "br-a", subnets: [CIDR("10.1.0.0/24")!]))
        #expect(Set(normal.map(\.set)) == ["bridges", "icc", "subnets4", "masq4"])
        let quiet = HostRules.elements(of: FirewallNetwork(bridge: "br-b", subnets: [CIDR("10.2.0.0/24")!], icc: false, masquerade: false))
        #expect(Set(quiet.map(\.set)) == ["bridges", "subnets4"])
        let inside = HostRules.elements(of: FirewallNetwork(bridge: "br-c", subnets: [CIDR("10.3.0.0/24")!], isInternal: true))
        #expect(Set(inside.map(\.set)) == ["bridges", "internal", "icc", "subnets4"], "an internal network is never masqueraded")
        #expect(inside.contains(.init(set: "icc", text: "\"br-c\" . \"br-c\"")))
    }

    @Test func portElementsPickTheMapByFamilyAndAddress() {
        let at = PublishedPort(proto: .udp, hostIP: "127.0.0.1", hostPort: 53, containerIP: "172.18.0.2", containerPort: 5353)
        let v6 = PublishedPort(proto: .sctp, hostIP: "::", hostPort: 9, containerIP: "fd00::2", containerPort: 9)
        #expect(HostRules.elements(of: at) == [.init(set: "ports4_at", text: "127.0.0.1 . udp . 53 : 172.18.0.2 . 5353")])
        #expect(HostRules.elements(of: v6) == [.init(set: "ports6", text: "sctp . 9 : fd00::2 . 9")])
        let script = HostRules.delete(HostRules.elements(of: Self.web) + HostRules.elements(of: at) + HostRules.elements(of: Self.web))
        #expect(script == "delete element inet berth ports4 { tcp . 8080 : 172.17.0.2 . 80, tcp . 8080 : 172.17.0.2 . 80 }\n"
            + "delete element inet berth ports4_at { 127.0.0.1 . udp . 53 : 172.18.0.2 . 5353 }\n")
        #expect(HostRules.add([]) == "")
    }

    @Test func allocatorConflictsAsABindWould() throws {
        var a = PortAllocator(ephemeral: 40000...40002)
        let any4 = IPAddress("0.0.0.0")!, lo = IPAddress("127.0.0.1")!, any6 = IPAddress("::")!
        #expect(try a.allocate(proto: .tcp, hostIPs: [lo], range: 8080...8080, owner: "a") == 8080)
        // The wildcard conflicts with a specific address of its family, not with the other family or protocol.
        #expect(throws: BerthError.internalError("Bind for 0.0.0.0:8080 failed: port is already allocated")) {
            try a.allocate(proto: .tcp, hostIPs: [any4], range: 8080...8080, owner: "b")
        }
        #expect(try a.allocate(proto: .udp, hostIPs: [any4], range: 8080...8080, owner: "b") == 8080)
        #expect(try a.allocate(proto: .tcp, hostIPs: [any6], range: 8080...8080, owner: "b") == 8080)
        #expect(try a.allocate(proto: .tcp, hostIPs: [IPAddress("10.0.0.1")!], range: 8080...8080, owner: "c") == 8080)
        // A range takes its first free port; ephemeral ports go round.
        #expect(try a.allocate(proto: .tcp, hostIPs: [any4], range: 8080...8082, owner: "d") == 8081)
        #expect(try a.allocate(proto: .tcp, hostIPs: [any4, any6], range: nil, owner: "e") == 40000)
        #expect(try a.allocate(proto: .tcp, hostIPs: [any4], range: nil, owner: "e") == 40001)
        #expect(try a.allocate(proto: .tcp, hostIPs: [any4], range: nil, owner: "e") == 40002)
        #expect(throws: BerthError.self) { try a.allocate(proto: .tcp, hostIPs: [any4], range: nil, owner: "f") }
        a.release(owner: "e")
        #expect(try a.allocate(proto: .tcp, hostIPs: [any4], range: nil, owner: "f") == 40000)
        a.release(owner: "a")
        #expect(try a.allocate(proto: .tcp, hostIPs: [lo], range: 8080...8080, owner: "g") == 8080)
    }

    @Test func portBindingsAreReadAndCheckedAsDockerdDoes() throws {
        let ok = try ContainerCreateRequest(json: JSONParser.parse(#"""
            {"Image":"a","HostConfig":{"PublishAllPorts":true,"PortBindings":{"80/tcp":[{"HostIp":"","HostPort":"8080"},{"HostIp":"::1","HostPort":""}],"53/udp":[{"HostPort":"5300-5310"}],"90":null}}}
            """#))
        #expect(ok.publishAllPorts)
        #expect(ok.portBindings == [
            PortBindingRequest(containerPort: 80, proto: .tcp, hostIP: "", hostPort: "8080"),
            PortBindingRequest(containerPort: 80, proto: .tcp, hostIP: "::1", hostPort: ""),
            PortBindingRequest(containerPort: 53, proto: .udp, hostIP: "", hostPort: "5300-5310"),
        ])
        #expect(ok.portBindings[2].hostPortRange == 5300...5310)
        for (body, message) in [
            (#"{"80/tcp":[{"HostPort":"99999"}]}"#, #"invalid port specification: "99999""#),
            (#"{"99999/tcp":[{"HostPort":"80"}]}"#, #"invalid port specification: "99999""#),
            (#"{"80/xyz":[{"HostPort":"80"}]}"#, "invalid proto: xyz"),
            (#"{"80/tcp":[{"HostIp":"300.1.1.1","HostPort":"80"}]}"#, "invalid IP address: 300.1.1.1"),
            (#"{"80/tcp":[{"HostPort":"90-80"}]}"#, #"invalid port specification: "90-80""#),
        ] {
            #expect(throws: APIError.invalidParameter(message)) {
                try ContainerCreateRequest(json: JSONParser.parse(#"{"Image":"a","HostConfig":{"PortBindings":"# + body + "}}"))
            }
        }
    }
}

/// `NetworkController` with a recording nftables: what it programs on create, connect, disconnect
/// and start, and that a refused change leaves nothing half-made.
@Suite struct ControllerFirewallTests {
    struct Fixture {
        let netlink = RecordingRouteNetlink()
        let store = MemoryStore()
        let nft = RecordingNFTables()
        let sysctls = RecordingSysctls()
        let reserver = RecordingPortReserver()
        let sandboxes: RecordingSandboxes

        init() { sandboxes = RecordingSandboxes(host: netlink) }

        func controller() -> NetworkController {
            let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
            let settings = HostFirewall.Settings()
            return NetworkController(
                store: store,
                drivers: [BridgeDriver(netlink: netlink, sysctls: sysctls, logger: quiet), PassiveDriver(name: "host"), PassiveDriver(name: "null")],
                config: NetworkConfig(), logger: quiet, sandboxes: sandboxes,
                firewall: HostFirewall(nft: nft, sysctls: sysctls, settings: settings, logger: quiet),
                portReserver: reserver)
        }
    }

    static func request(_ n: Int, ports: [PortBindingRequest] = []) -> EndpointRequest {
        EndpointRequest(containerID: String(repeating: "\(n)", count: 64), containerName: "c\(n)", sandboxKey: "/sb/\(n)", ports: ports)
    }

    static let http = PortBindingRequest(containerPort: 80, proto: .tcp, hostPort: "8080")

    @Test func startRebuildsFromTheStoreAndNetworksAddElements() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let first = try #require(f.nft.applied.first)
        #expect(first.target == .host && first.script.contains("table inet berth {"))
        #expect(first.script.contains("add element inet berth bridges { \"berth0\" }"))
        let net = try await c.create(NetworkCreateSpec(name: "front"))
        #expect(f.nft.applied.last?.script.contains("add element inet berth bridges { \"\(net.bridgeName)\" }") == true)
        try await c.remove("front")
        #expect(f.nft.applied.last?.script.contains("delete element inet berth bridges { \"\(net.bridgeName)\" }") == true)
    }

    @Test func hostPortsAreHeldBySocketsAndAHostServicesPortIsRefusedOrSkipped() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        f.reserver.occupy(.tcp, "0.0.0.0", 22)
        do {
            _ = try await c.connect("bridge", Self.request(1, ports: [PortBindingRequest(containerPort: 22, proto: .tcp, hostPort: "22")]))
            Issue.record("a port a host service holds must be refused")
        } catch let error as BerthError {
            #expect(error.message.hasSuffix("): Error starting userland proxy: listen tcp4 0.0.0.0:22: bind: address already in use"), "\(error.message)")
        }
        #expect(f.reserver.held.isEmpty)
        #expect(try await f.store.endpoints().isEmpty)
        // A range skips the busy port; the sockets go with the endpoint.
        let e = try await c.connect("bridge", Self.request(2, ports: [PortBindingRequest(containerPort: 22, proto: .tcp, hostPort: "22-23")]))
        #expect(e.ports.map(\.hostPort) == [23])
        #expect(f.reserver.held == ["tcp 0.0.0.0:23"])
        try await c.disconnectAll(containerID: String(repeating: "2", count: 64))
        #expect(f.reserver.held.isEmpty)
    }

    @Test func publishedPortsFollowTheDefaultRoute() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        _ = try await c.create(NetworkCreateSpec(name: "back"))
        let id = String(repeating: "1", count: 64)
        _ = try await c.connect("bridge", Self.request(1, ports: [Self.http]))
        let heir = try await c.connect("back", Self.request(1))
        #expect(heir.ports.isEmpty)
        try await c.disconnect("bridge", containerID: id)
        let moved = try #require(await c.endpoints(container: id).first)
        #expect(moved.ports.map { "\($0.hostIP):\($0.hostPort)->\($0.containerIP):\($0.containerPort)" } == ["0.0.0.0:8080->172.18.0.2:80"])
        #expect(f.nft.applied.last?.script == "add element inet berth ports4 { tcp . 8080 : 172.18.0.2 . 80 }\n")
        #expect(try await f.store.endpoints().first { $0.id == moved.id }?.ports == moved.ports)
        #expect(f.reserver.held == ["tcp 0.0.0.0:8080"])
    }

    @Test func turningForwardingOnAddsTheForwardingGuardAndRemembersIt() async throws {
        let f = Fixture()
        f.sysctls.preset("net.ipv4.ip_forward", "0")
        try await f.controller().start()
        let guardRule = "add rule inet berth forward iifname != @bridges oifname != @bridges drop"
        #expect(f.nft.applied.first?.script.contains(guardRule) == true)
        // The next daemon finds forwarding on (Berth's doing) and keeps the guard.
        let next = f.controller()
        try await next.start()
        #expect(f.nft.applied.last?.script.contains(guardRule) == true)
        // A host that forwarded before Berth keeps routing: no guard.
        let other = Fixture()
        other.sysctls.preset("net.ipv4.ip_forward", "1")
        try await other.controller().start()
        #expect(other.nft.applied.first?.script.contains(guardRule) == false)
    }

    @Test func iccOffIsolatesTheBridgePortsOfItsContainers() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        var quiet = NetworkCreateSpec(name: "quiet")
        quiet.options = [BridgeOptions.enableICC: "false"]
        _ = try await c.create(quiet)
        let e = try await c.connect("quiet", Self.request(1))
        #expect(f.nft.applied.last?.script == "add element bridge berth isolated_ports { \"\(e.hostInterface)\" }\n")
        // Containers of a network with ICC on are not isolated.
        let before = f.nft.applied.count
        _ = try await c.connect("bridge", Self.request(2))
        #expect(f.nft.applied.count == before)
        // A rebuild keeps the port; a disconnect takes it out.
        let next = f.controller()
        try await next.start()
        #expect(f.nft.applied.last?.script.contains("add element bridge berth isolated_ports { \"\(e.hostInterface)\" }") == true)
        try await next.disconnect("quiet", containerID: String(repeating: "1", count: 64))
        #expect(f.nft.applied.last?.script == "delete element bridge berth isolated_ports { \"\(e.hostInterface)\" }\n")
        // No bridge netfilter needed.
        #expect(f.sysctls.written["net.bridge.bridge-nf-call-iptables"] == nil)
    }

    @Test func ipv6LoopbackCannotBePublished() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        var spec = NetworkCreateSpec(name: "dual")
        spec.enableIPv6 = true
        _ = try await c.create(spec)
        let loop = PortBindingRequest(containerPort: 80, proto: .tcp, hostIP: "::1", hostPort: "8080")
        await #expect(throws: BerthError.self) { try await c.connect("dual", Self.request(1, ports: [loop])) }
        #expect(try await f.store.endpoints().isEmpty)
    }

    @Test func theKernelSettingsBridgesNeed() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        #expect(f.sysctls.written["net.ipv4.ip_forward"] == "1")
        #expect(f.sysctls.written["/proc/sys/net/ipv4/conf/berth0/route_localnet"] == "1")
        #expect(f.sysctls.written["/proc/sys/net/ipv6/conf/berth0/disable_ipv6"] == "1", "no IPv6 on an IPv4-only bridge")
        var dual = NetworkCreateSpec(name: "dual")
        dual.enableIPv6 = true
        let d = try await c.create(dual)
        #expect(f.sysctls.written["/proc/sys/net/ipv6/conf/\(d.bridgeName)/disable_ipv6"] == nil)
        #expect(f.sysctls.written["net.ipv6.conf.all.forwarding"] == "1")
    }

    @Test func portsArePublishedOnTheGatewayEndpointAndRemovedWithIt() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let e = try await c.connect("bridge", Self.request(1, ports: [Self.http]))
        #expect(e.ports == [PublishedPort(proto: .tcp, hostIP: "0.0.0.0", hostPort: 8080, containerIP: "172.17.0.2", containerPort: 80)])
        #expect(f.nft.applied.last?.script == "add element inet berth ports4 { tcp . 8080 : 172.17.0.2 . 80 }\n")
        #expect(try await f.store.endpoints().first?.ports == e.ports, "the mapping is stored with its endpoint")
        #expect(f.netlink.calls.contains(.setHairpin(name: e.hostInterface, on: true)))

        do {
            _ = try await c.connect("bridge", Self.request(2, ports: [Self.http]))
            Issue.record("a second 8080 must be refused")
        } catch let error as BerthError {
            #expect(error.message.hasPrefix("driver failed programming external connectivity on endpoint c2 ("))
            #expect(error.message.hasSuffix("): Bind for 0.0.0.0:8080 failed: port is already allocated"))
        }
        #expect(await c.endpoints(container: String(repeating: "2", count: 64)).isEmpty)
        #expect(try await f.store.endpoints().count == 1)

        try await c.disconnectAll(containerID: String(repeating: "1", count: 64))
        #expect(f.nft.applied.last?.script == "delete element inet berth ports4 { tcp . 8080 : 172.17.0.2 . 80 }\n")
        // The port is free again.
        let again = try await c.connect("bridge", Self.request(3, ports: [Self.http]))
        #expect(again.ports.map(\.hostPort) == [8080])
    }

    @Test func aRefusedTransactionLeavesNothingHalfMade() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        // The incremental change fails, and so does the rebuild that follows it.
        f.nft.failNext(.rejected(message: "boom", script: ""))
        f.nft.failNext(.rejected(message: "boom", script: ""))
        await #expect(throws: BerthError.self) { try await c.connect("bridge", Self.request(1, ports: [Self.http])) }
        #expect(try await f.store.endpoints().isEmpty)
        #expect(try await f.netlink.links().allSatisfy { !$0.name.hasPrefix("veth") }, "the veth pair is gone")
        // Address and port are free again.
        let e = try await c.connect("bridge", Self.request(2, ports: [Self.http]))
        #expect(e.ipv4Address == "172.17.0.2/16" && e.ports.map(\.hostPort) == [8080])
    }

    @Test func aLostTableIsRebuiltAndTheChangeRetried() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let before = f.nft.applied.count
        f.nft.failNext(.rejected(message: "No such file or directory", script: ""))
        let e = try await c.connect("bridge", Self.request(1, ports: [Self.http]))
        let after = f.nft.applied.dropFirst(before).map(\.script)
        #expect(after.count == 2)
        #expect(after.first?.hasPrefix("table inet berth {") == true, "rebuilt first")
        #expect(after.last == "add element inet berth ports4 { tcp . 8080 : 172.17.0.2 . 80 }\n", "then the change again")
        #expect(e.ports.count == 1)
    }

    @Test func hostBindingOptionAndHostRanges() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        var spec = NetworkCreateSpec(name: "local")
        spec.options = [BridgeOptions.hostBindingIPv4: "127.0.0.1"]
        _ = try await c.create(spec)
        let e = try await c.connect("local", Self.request(1, ports: [
            PortBindingRequest(containerPort: 80, proto: .tcp, hostPort: "9000-9001"),
            PortBindingRequest(containerPort: 81, proto: .tcp, hostPort: "9000-9001"),
            PortBindingRequest(containerPort: 53, proto: .udp, hostIP: "0.0.0.0", hostPort: "53"),
        ]))
        #expect(e.ports.map { "\($0.hostIP):\($0.hostPort)->\($0.portKey)" } == [
            "127.0.0.1:9000->80/tcp", "127.0.0.1:9001->81/tcp", "0.0.0.0:53->53/udp",
        ])
        #expect(f.nft.applied.last?.script == """
            add element inet berth ports4_at { 127.0.0.1 . tcp . 9000 : 172.18.0.2 . 80, 127.0.0.1 . tcp . 9001 : 172.18.0.2 . 81 }
            add element inet berth ports4 { udp . 53 : 172.18.0.2 . 53 }

            """)
        // Only an endpoint that carries the default route publishes.
        let second = try await c.connect("bridge", Self.request(1, ports: [Self.http]))
        #expect(second.ports.isEmpty)
    }

    @Test func withoutIPv6OnlyTheIPv4WildcardIsBoundAndAnIPv6HostAddressIsRefused() async throws {
        let f = Fixture()
        let c = f.controller()
        try await c.start()
        let v6 = PortBindingRequest(containerPort: 80, proto: .tcp, hostIP: "fd99::1", hostPort: "8081")
        await #expect(throws: BerthError.invalidArgument("cannot publish 80/tcp on fd99::1: container c1 has no IPv6 address on network bridge")) {
            try await c.connect("bridge", Self.request(1, ports: [v6]))
        }
        var spec = NetworkCreateSpec(name: "dual")
        spec.enableIPv6 = true
        _ = try await c.create(spec)
        let e = try await c.connect("dual", Self.request(2, ports: [PortBindingRequest(containerPort: 80, proto: .tcp)]))
        #expect(e.ports.map(\.hostIP) == ["0.0.0.0", "::"])
        #expect(Set(e.ports.map(\.hostPort)).count == 1, "one host port for both families")
    }
}

/// `-P`: every exposed port not bound by `-p` is published on a port of Berth's choosing.
@Suite struct PublishAllTests {
    @Test func publishAllAddsTheExposedPortsNotAlreadyBound() {
        var c = ContainerRecord(id: "x", name: "web", created: 0, imageReference: "busybox", imageID: "sha256:x", hostname: "x")
        c.exposedPorts = ["53/udp", "80/tcp", "90/tcp"]
        c.portBindings = [PortBindingRequest(containerPort: 80, proto: .tcp, hostPort: "8080")]
        #expect(ContainerService.portRequests(c) == c.portBindings, "without -P only the -p bindings")
        c.publishAllPorts = true
        #expect(ContainerService.portRequests(c) == c.portBindings + [
            PortBindingRequest(containerPort: 53, proto: .udp), PortBindingRequest(containerPort: 90, proto: .tcp),
        ])
    }
}
