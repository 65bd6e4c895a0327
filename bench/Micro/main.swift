// In-process micro-benchmarks of hot paths; no root needed. Prints medians with min and max.
// Run: swift run -c release berth-microbench
import BerthAPI
import Foundation
import BerthCore
import BerthIPAM
import BerthDNS
import BerthFirewall
import BerthNetlink
import BerthNetwork

struct Stats {
    var samples: [Duration]
    var median: Duration { samples.sorted()[samples.count / 2] }
    var min: Duration { samples.min() ?? .zero }
    var max: Duration { samples.max() ?? .zero }
}

func measure(_ reps: Int, warmup: Int = 5, _ body: () throws -> Void) rethrows -> Stats {
    let clock = ContinuousClock()
    for _ in 0..<warmup { try body() }
    var s: [Duration] = []
    for _ in 0..<reps { s.append(try clock.measure(body)) }
    return Stats(samples: s)
}

func us(_ d: Duration) -> String {
    let v = Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12
    return String(format: "%.1f µs", v)
}

func row(_ name: String, _ s: Stats) {
    print("| \(name) | \(us(s.median)) | \(us(s.min)) | \(us(s.max)) |")
}

print("| operation | median | min | max |")
print("|---|---|---|---|")

// 100 allocations then 100 releases in a /8 that already holds 100,000 addresses.
var base = AddressAllocator(subnet: CIDR("10.0.0.0/8")!)
for _ in 0..<100_000 { _ = try base.allocate() }
row("IPAM: 100 allocations + 100 releases (/8, 100k in use)", try measure(50) {
    var a = base
    var got: [IPAddress] = []
    got.reserveCapacity(100)
    for _ in 0..<100 { got.append(try a.allocate()) }
    for ip in got { a.release(ip) }
})

// The same on an IPv6 /64.
let v6 = AddressAllocator(subnet: CIDR("fd00::/64")!)
row("IPAM: 100 allocations + 100 releases (/64)", try measure(50) {
    var a = v6
    var got: [IPAddress] = []
    for _ in 0..<100 { got.append(try a.allocate()) }
    for ip in got { a.release(ip) }
})
_ = v6.allocatedCount

// Picking the next free subnet with 1000 networks in use (custom pool of /24s).
let pool = try AddressPool(base: CIDR("10.0.0.0/8")!, size: 24)
let inUse = (0..<1000).map { pool.subnet(at: UInt128($0)) }
row("IPAM: next free /24 with 1000 networks", measure(200) {
    _ = SubnetPicker.firstFree(pools: [pool], family: .v4, inUse: inUse)
})

// Full network IPAM assignment (validation + pool + gateway) with 1000 networks.
var ipam = IPAM(pools4: [pool])
for i in 0..<1000 { _ = try ipam.assign(networkID: "n\(i)", requests: [], enableIPv6: false) }
row("IPAM: assign + release a network (1000 exist)", try measure(200) {
    _ = try ipam.assign(networkID: "x", requests: [], enableIPv6: false)
    ipam.release(networkID: "x")
})

// Rendering and parsing a network inspect body.
let body = #"{"Name":"alpine-net","Id":"8c52a0a187eb2dd0db371eacb0a73dfbc7321e16da261b52ba77de528adeeed0","Created":"2026-11-29T04:54:11.62587056Z","Scope":"local","Driver":"bridge","EnableIPv6":false,"IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"172.18.0.0/16","Gateway":"172.18.0.1"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},"Options":{},"Labels":{}}"#
let parsed = try JSONParser.parse(body)
row("JSON: parse a network inspect body", try measure(500) { _ = try JSONParser.parse(body) })
row("JSON: render a network inspect body", measure(500) { _ = parsed.rendered() })

// The host firewall: rendering the whole table for 1000 networks and 1000 published ports (a
// daemon start), the element change of one network and of one container's port.
let fwNetworks = (0..<1000).map { i in
    FirewallNetwork(bridge: "br-\(String(i, radix: 16))", subnets: [pool.subnet(at: UInt128(i))])
}
let fwPorts = (0..<1000).map { i in
    PublishedPort(proto: .tcp, hostIP: "0.0.0.0", hostPort: 20000 + i, containerIP: "10.0.\(i / 250).\(i % 250 + 2)", containerPort: 80)
}
row("nftables: render the table (1000 networks, 1000 ports)", measure(50) {
    _ = HostRules.rebuild(networks: fwNetworks, ports: fwPorts)
})
row("nftables: render one network's elements", measure(500) {
    _ = HostRules.add(HostRules.elements(of: fwNetworks[500]))
})
row("nftables: render one published port's element", measure(500) {
    _ = HostRules.add(HostRules.elements(of: fwPorts[500]))
})

// Host ports: 100 ephemeral allocations and their release with 1000 ports already held.
var ports = PortAllocator(ephemeral: 32768...60999)
let anyV4 = IPAddress("0.0.0.0")!
for i in 0..<1000 { _ = try ports.allocate(proto: .tcp, hostIPs: [anyV4], range: nil, owner: "held\(i)") }
row("ports: 100 ephemeral allocations + release (1000 held)", try measure(50) {
    var p = ports
    for _ in 0..<100 { _ = try p.allocate(proto: .tcp, hostIPs: [anyV4], range: nil, owner: "x") }
    p.release(owner: "x")
})

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
row("DNS: decode + resolve + encode a local A query (1000 names)", try measure(500) {
    let q = try DNSMessage(decoding: dnsQuery)
    if case let .answer(reply) = dnsResolver.resolve(q, for: dnsScope) { _ = try reply.encoded() }
})

// Netlink: encoding the veth request of a container join (the peer born in the sandbox).
row("netlink: encode a veth-into-sandbox request", try measure(500) {
    _ = try NetlinkRequest.createVeth(name: "veth1a2b3c4", peerName: "eth0", peerNamespaceFD: 7, mtu: 1500)
        .encoded(sequence: 1, portID: 0)
})
