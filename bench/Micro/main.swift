// In-process micro-benchmarks of hot paths with google/swift-benchmark; no root needed.
// Run: swift run -c release berth-microbench [--filter REGEX] [--format console|csv|json]
import Benchmark
import BerthAPI
import Foundation
import BerthCore
import BerthIPAM
import BerthDNS
import BerthFirewall
import BerthNetlink
import BerthNetwork

/// Sets up the fixtures (1000 networks, 100k addresses, 1000 names…) and registers each
/// measurement; locals captured by the closures keep the fixtures alive.
func registerBenchmarks() throws {
    // 100 allocations then 100 releases in a /8 that already holds 100,000 addresses.
    var base = AddressAllocator(subnet: CIDR("10.0.0.0/8")!)
    for _ in 0..<100_000 { _ = try base.allocate() }
    benchmark("IPAM: 100 allocations + 100 releases (/8, 100k in use)") {
        var a = base
        var got: [IPAddress] = []
        got.reserveCapacity(100)
        for _ in 0..<100 { got.append(try a.allocate()) }
        for ip in got { a.release(ip) }
    }

    // The same on an IPv6 /64.
    let v6 = AddressAllocator(subnet: CIDR("fd00::/64")!)
    benchmark("IPAM: 100 allocations + 100 releases (/64)") {
        var a = v6
        var got: [IPAddress] = []
        for _ in 0..<100 { got.append(try a.allocate()) }
        for ip in got { a.release(ip) }
    }
    _ = v6.allocatedCount

    // Picking the next free subnet with 1000 networks in use (custom pool of /24s).
    let pool = try AddressPool(base: CIDR("10.0.0.0/8")!, size: 24)
    let inUse = (0..<1000).map { pool.subnet(at: UInt128($0)) }
    benchmark("IPAM: next free /24 with 1000 networks") {
        _ = SubnetPicker.firstFree(pools: [pool], family: .v4, inUse: inUse)
    }

    // Full network IPAM assignment (validation + pool + gateway) with 1000 networks.
    var ipam = IPAM(pools4: [pool])
    for i in 0..<1000 { _ = try ipam.assign(networkID: "n\(i)", requests: [], enableIPv6: false) }
    benchmark("IPAM: assign + release a network (1000 exist)") {
        _ = try ipam.assign(networkID: "x", requests: [], enableIPv6: false)
        ipam.release(networkID: "x")
    }

    // Rendering and parsing a network inspect body.
    let body = #"{"Name":"alpine-net","Id":"8c52a0a187eb2dd0db371eacb0a73dfbc7321e16da261b52ba77de528adeeed0","Created":"2026-11-29T04:54:11.62587056Z","Scope":"local","Driver":"bridge","EnableIPv6":false,"IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"172.18.0.0/16","Gateway":"172.18.0.1"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},"Options":{},"Labels":{}}"#
    let parsed = try JSONParser.parse(body)
    benchmark("JSON: parse a network inspect body") { _ = try JSONParser.parse(body) }
    benchmark("JSON: render a network inspect body") { _ = parsed.rendered() }

    // The host firewall: rendering the whole table for 1000 networks and 1000 published ports (a
    // daemon start), the element change of one network and of one container's port.
    let fwNetworks = (0..<1000).map { i in
        FirewallNetwork(bridge: "br-\(String(i, radix: 16))", subnets: [pool.subnet(at: UInt128(i))])
    }
    let fwPorts = (0..<1000).map { i in
        PublishedPort(proto: .tcp, hostIP: "0.0.0.0", hostPort: 20000 + i, containerIP: "10.0.\(i / 250).\(i % 250 + 2)", containerPort: 80)
    }
    benchmark("nftables: render the table (1000 networks, 1000 ports)") {
        _ = HostRules.rebuild(networks: fwNetworks, ports: fwPorts)
    }
    benchmark("nftables: render one network's elements") {
        _ = HostRules.add(HostRules.elements(of: fwNetworks[500]))
    }
    benchmark("nftables: render one published port's element") {
        _ = HostRules.add(HostRules.elements(of: fwPorts[500]))
    }

    // Host ports: 100 ephemeral allocations and their release with 1000 ports already held.
    var ports = PortAllocator(ephemeral: 32768...60999)
    let anyV4 = IPAddress("0.0.0.0")!
    for i in 0..<1000 { _ = try ports.allocate(proto: .tcp, hostIPs: [anyV4], range: nil, owner: "held\(i)") }
    benchmark("ports: 100 ephemeral allocations + release (1000 held)") {
        var p = ports
        for _ in 0..<100 { _ = try p.allocate(proto: .tcp, hostIPs: [anyV4], range: nil, owner: "x") }
        p.release(owner: "x")
    }

    // DNS: decoding a query, resolving it against 1000 containers' names, encoding the answer — the
    // embedded server's whole work for one local name.
    let dnsRecords = ServiceRecords()
    for i in 0..<1000 {
        dnsRecords.add(DNSEndpointRecord(
            containerID: String(repeating: "0", count: 60) + String(format: "%04x", i), networkID: "net\(i % 10)",
            networkName: "n\(i % 10)", names: ["c\(i)"], ipv4: IPv4Address(10, 0, UInt8(i / 250), UInt8(i % 250 + 2))))
    }
    let dnsResolver = DNSResolver(records: dnsRecords)
    let dnsScope = DNSClientScope(networkIDs: ["net7"])
    let dnsQuery = try DNSMessage.query(id: 7, name: "c517", type: .A).encoded()
    benchmark("DNS: decode + resolve + encode a local A query (1000 names)") {
        let q = try DNSMessage(decoding: dnsQuery)
        if case let .answer(reply) = dnsResolver.resolve(q, for: dnsScope) { _ = try reply.encoded() }
    }

    // Netlink: encoding the veth request of a container join (the peer born in the sandbox).
    benchmark("netlink: encode a veth-into-sandbox request") {
        _ = try NetlinkRequest.createVeth(name: "veth1a2b3c4", peerName: "eth0", peerNamespaceFD: 7, mtu: 1500)
            .encoded(sequence: 1, portID: 0)
    }
}

try registerBenchmarks()
Benchmark.main()
