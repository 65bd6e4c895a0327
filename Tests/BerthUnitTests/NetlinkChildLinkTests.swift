import BerthCore
import Testing

@testable import BerthNetlink

/// macvlan, ipvlan and 802.1q VLAN children: the bytes of their RTM_NEWLINK (this kernel has no
/// ipvlan or vlan module, so their requests are checked here against the uapi layout rather
/// than in a kernel test), and the recording double's rules.
@Suite struct NetlinkChildLinkTests {
    static let header: [UInt8] = [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]

    @Test func macvlanBornInASandbox() throws {
        let bytes = try NetlinkRequest.createChild(name: "eth0", parentIndex: 7, kind: .macvlan(.bridge), namespaceFD: 9).encoded(sequence: 1, portID: 0)
        let expected: [UInt8] = [
            // nlmsghdr: len 88, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1, pid 0
            0x58, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ] + Self.header + [
            // IFLA_IFNAME "eth0\0" + 3 B padding
            0x09, 0x00, 0x03, 0x00, 0x65, 0x74, 0x68, 0x30, 0x00, 0x00, 0x00, 0x00,
            // IFLA_LINK (5): parent index 7
            0x08, 0x00, 0x05, 0x00, 0x07, 0x00, 0x00, 0x00,
            // IFLA_NET_NS_FD (28): 9
            0x08, 0x00, 0x1c, 0x00, 0x09, 0x00, 0x00, 0x00,
            // IFLA_LINKINFO (18), len 28
            0x1c, 0x00, 0x12, 0x00,
            //   IFLA_INFO_KIND "macvlan\0"
            0x0c, 0x00, 0x01, 0x00, 0x6d, 0x61, 0x63, 0x76, 0x6c, 0x61, 0x6e, 0x00,
            //   IFLA_INFO_DATA (2) { IFLA_MACVLAN_MODE (1): MACVLAN_MODE_BRIDGE (4) }
            0x0c, 0x00, 0x02, 0x00, 0x08, 0x00, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00,
        ]
        #expect(bytes == expected)
    }

    @Test func vlanSubInterface() throws {
        let bytes = try NetlinkRequest.createChild(name: "eth0.10", parentIndex: 2, kind: .vlan(id: 10)).encoded(sequence: 1, portID: 0)
        let expected: [UInt8] = [
            0x50, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ] + Self.header + [
            0x0c, 0x00, 0x03, 0x00, 0x65, 0x74, 0x68, 0x30, 0x2e, 0x31, 0x30, 0x00,
            0x08, 0x00, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00,
            0x1c, 0x00, 0x12, 0x00,
            //   IFLA_INFO_KIND "vlan\0" + 3 B padding
            0x09, 0x00, 0x01, 0x00, 0x76, 0x6c, 0x61, 0x6e, 0x00, 0x00, 0x00, 0x00,
            //   IFLA_INFO_DATA { IFLA_VLAN_ID (1): u16 10, 2 B padding }
            0x0c, 0x00, 0x02, 0x00, 0x06, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x00,
        ]
        #expect(bytes == expected)
        #expect(throws: NetlinkError.invalidArgument("vlan id must be between 1-4094, received: 4095")) {
            try NetlinkRequest.createChild(name: "eth0.4095", parentIndex: 2, kind: .vlan(id: 4095))
        }
    }

    @Test func ipvlanL3Private() throws {
        let bytes = try NetlinkRequest.createChild(name: "eth1", parentIndex: 3, kind: .ipvlan(.l3, .private), namespaceFD: 9)
            .encoded(sequence: 1, portID: 0)
        let expected: [UInt8] = [
            0x60, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        ] + Self.header + [
            0x09, 0x00, 0x03, 0x00, 0x65, 0x74, 0x68, 0x31, 0x00, 0x00, 0x00, 0x00,
            0x08, 0x00, 0x05, 0x00, 0x03, 0x00, 0x00, 0x00,
            0x08, 0x00, 0x1c, 0x00, 0x09, 0x00, 0x00, 0x00,
            0x24, 0x00, 0x12, 0x00,
            0x0b, 0x00, 0x01, 0x00, 0x69, 0x70, 0x76, 0x6c, 0x61, 0x6e, 0x00, 0x00,
            //   IFLA_INFO_DATA { IFLA_IPVLAN_MODE (1): L3 (1), IFLA_IPVLAN_FLAGS (2): IPVLAN_F_PRIVATE (1) }
            0x14, 0x00, 0x02, 0x00, 0x06, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x02, 0x00, 0x01, 0x00, 0x00, 0x00,
        ]
        #expect(bytes == expected)
    }

    @Test func theRecordingDoubleFollowsTheKernelsRules() async throws {
        let host = RecordingRouteNetlink()
        try await host.createVeth(name: "lan0", peerName: "lan1", mtu: 1400)
        let mac = MACAddress("02:42:0a:00:00:05")!
        try await host.createChild(name: "eth0", parent: "lan0", kind: .macvlan(.bridge), namespaceFD: 100, mac: mac)
        let inside = host.view(namespaceFD: 100)
        let child = try await inside.link(named: "eth0")
        #expect(child?.kind == "macvlan" && child?.mtu == 1400 && child?.mac == mac)
        #expect(try await host.link(named: "eth0") == nil)
        await #expect(throws: NetlinkError.self) {
            try await host.createChild(name: "eth0", parent: "lan0", kind: .macvlan(.bridge), namespaceFD: 100, mac: nil)
        }
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWLINK", errno: 19)) {
            try await host.createChild(name: "x0", parent: "nope", kind: .macvlan(.vepa), namespaceFD: nil, mac: nil)
        }
    }
}
