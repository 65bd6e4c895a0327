import BerthCore
import Testing

@testable import BerthIPAM

@Suite struct IPAMTests {
    @Test func defaultPoolsMatchDockerd() throws {
        var ipam = IPAM()
        _ = try ipam.assign(networkID: "bridge", requests: [SubnetRequest(subnet: CIDR("172.17.0.0/16"), gateway: IPAddress("172.17.0.1"))], enableIPv6: false)
        let first = try ipam.assign(networkID: "a", requests: [], enableIPv6: false)
        #expect(first.map(\.subnet.description) == ["172.18.0.0/16"])
        #expect(first.first?.gateway.description == "172.18.0.1")
        // 172.17–31 are 15 /16s; then 192.168.0.0/20.
        for i in 0..<13 { _ = try ipam.assign(networkID: "n\(i)", requests: [], enableIPv6: false) }
        let next = try ipam.assign(networkID: "x", requests: [], enableIPv6: false)
        #expect(next.first?.subnet.description == "192.168.0.0/20")
    }

    @Test func exhaustionHasDockerdsMessage() throws {
        var ipam = IPAM(pools4: [try AddressPool(base: CIDR("10.0.0.0/23")!, size: 24)])
        _ = try ipam.assign(networkID: "a", requests: [], enableIPv6: false)
        _ = try ipam.assign(networkID: "b", requests: [], enableIPv6: false)
        #expect(throws: IPAMError.poolsExhausted(.v4)) { try ipam.assign(networkID: "c", requests: [], enableIPv6: false) }
        #expect(IPAMError.poolsExhausted(.v4).description == "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network")
    }

    @Test func releasedSubnetIsReusedLowestFirst() throws {
        var ipam = IPAM()
        _ = try ipam.assign(networkID: "a", requests: [], enableIPv6: false)
        _ = try ipam.assign(networkID: "b", requests: [], enableIPv6: false)
        ipam.release(networkID: "a")
        #expect(try ipam.assign(networkID: "c", requests: [], enableIPv6: false).first?.subnet.description == "172.17.0.0/16")
    }

    @Test func overlapIsRefusedAndNothingIsKept() throws {
        var ipam = IPAM()
        _ = try ipam.assign(networkID: "a", requests: [SubnetRequest(subnet: CIDR("10.1.0.0/16"))], enableIPv6: false)
        #expect(throws: IPAMError.overlap) {
            try ipam.assign(networkID: "b", requests: [SubnetRequest(subnet: CIDR("10.1.2.0/24"))], enableIPv6: false)
        }
        #expect(ipam.subnets(of: "b").isEmpty)
        #expect(IPAMError.overlap.description == "Pool overlaps with other one on this address space")
        #expect(IPAMError.overlap.berthError.code.httpStatus == 403)
    }

    @Test func gatewayRangeAndAuxMustBeInsideSubnet() {
        var ipam = IPAM()
        #expect(throws: IPAMError.invalid("no matching subnet for gateway 10.2.0.1")) {
            try ipam.assign(networkID: "a", requests: [SubnetRequest(subnet: CIDR("10.1.0.0/16"), gateway: IPAddress("10.2.0.1"))], enableIPv6: false)
        }
        #expect(throws: IPAMError.invalid("no matching subnet for range 10.3.0.0/24")) {
            try ipam.assign(networkID: "a", requests: [SubnetRequest(subnet: CIDR("10.1.0.0/16"), ipRange: CIDR("10.3.0.0/24"))], enableIPv6: false)
        }
        #expect(throws: IPAMError.self) {
            try ipam.assign(networkID: "a", requests: [SubnetRequest(subnet: CIDR("10.1.0.0/16"), auxAddresses: ["r": IPAddress("10.9.0.1")!])], enableIPv6: false)
        }
        #expect(ipam.subnetsInUse.isEmpty)
    }

    @Test func gatewayComesFromTheRangeAndAuxIsReserved() throws {
        var ipam = IPAM()
        let c = try ipam.assign(
            networkID: "a",
            requests: [SubnetRequest(subnet: CIDR("10.1.0.0/16"), ipRange: CIDR("10.1.5.0/24"), auxAddresses: ["r": IPAddress("10.1.5.2")!])],
            enableIPv6: false)
        // As in dockerd, only the subnet's own network and broadcast addresses are skipped:
        // 10.1.5.0 is an ordinary host address of 10.1.0.0/16, so the range starts there.
        #expect(c.first?.gateway.description == "10.1.5.0")
        #expect(try ipam.allocate(networkID: "a", family: .v4).description == "10.1.5.1/16")
        #expect(try ipam.allocate(networkID: "a", family: .v4).description == "10.1.5.3/16")
    }

    @Test func ipv6SubnetsComeFromTheV6Pool() throws {
        var ipam = IPAM(pools6: [try AddressPool(base: CIDR("fd12:3456:789a::/48")!, size: 64)])
        let c = try ipam.assign(networkID: "a", requests: [], enableIPv6: true)
        #expect(c.map(\.subnet.description) == ["172.17.0.0/16", "fd12:3456:789a::/64"])
        #expect(c.last?.gateway.description == "fd12:3456:789a::1")
        var none = IPAM()
        #expect(throws: IPAMError.poolsExhausted(.v6)) { try none.assign(networkID: "b", requests: [], enableIPv6: true) }
    }

    @Test func addressesAreFirstFreeAndNeverTwice() throws {
        var a = AddressAllocator(subnet: CIDR("10.0.0.0/8")!)
        try a.reserve(IPAddress("10.0.0.1")!)
        var seen = Set<IPAddress>()
        for _ in 0..<1000 { #expect(seen.insert(try a.allocate()).inserted) }
        #expect(seen.min()?.description == "10.0.0.2")
        a.release(IPAddress("10.0.0.7")!)
        #expect(try a.allocate().description == "10.0.0.7")
        #expect(try a.allocate().description == "10.0.3.234")
    }

    @Test func smallSubnetSkipsNetworkAndBroadcast() throws {
        var a = AddressAllocator(subnet: CIDR("192.168.1.0/30")!)
        #expect(try a.allocate().description == "192.168.1.1")
        #expect(try a.allocate().description == "192.168.1.2")
        #expect(throws: IPAMError.self) { try a.allocate() }
        #expect(throws: IPAMError.addressInUse(IPAddress("192.168.1.1")!)) { try a.reserve(IPAddress("192.168.1.1")!) }
    }

    @Test func hugeIPv6SubnetCostsNothingUpFront() throws {
        var a = AddressAllocator(subnet: CIDR("fd00::/64")!)
        #expect(try a.allocate().description == "fd00::1")
        try a.reserve(IPAddress("fd00::ffff:ffff:ffff:fffe")!)
        #expect(a.allocatedCount == 2)
    }

    @Test func poolFlagParsing() throws {
        let p = try AddressPool(flag: "base=10.10.0.0/16,size=24")
        #expect(p.base.description == "10.10.0.0/16" && p.size == 24)
        #expect(throws: IPAMError.self) { try AddressPool(flag: "base=10.10.0.0/16,size=8") }
        #expect(throws: IPAMError.self) { try AddressPool(flag: "base=300.0.0.0/8,size=24") }
    }

    @Test func pickerSkipsPastLargeBlocks() throws {
        let pool = try AddressPool(base: CIDR("10.0.0.0/8")!, size: 24)
        let inUse = [CIDR("10.0.0.0/9")!, CIDR("10.128.0.0/24")!]
        #expect(SubnetPicker.firstFree(pools: [pool], family: .v4, inUse: inUse)?.description == "10.128.1.0/24")
    }
}
