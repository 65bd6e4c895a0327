import BerthCore
import Testing

@testable import BerthNetlink

/// The overlay's kernel messages, byte for byte: a VXLAN device without learning, permanent
/// neighbour entries and VXLAN FDB entries (what `ip link add … type vxlan … nolearning proxy`,
/// `ip neigh replace … nud permanent` and `bridge fdb replace … self permanent` send).
@Suite struct NetlinkNeighbourTests {
    static let mac = MACAddress("02:42:0a:00:00:03")!

    @Test func aVXLANDeviceWithoutLearningAndWithProxyARP() throws {
        let bytes = try NetlinkRequest.createVXLAN(name: "vx0", vni: 4096, local: IPv4Address("10.98.0.11")!, port: 4789, mtu: nil)
            .encoded(sequence: 1, portID: 0)
        let expected: [UInt8] = [
            // nlmsghdr: len 100, RTM_NEWLINK, REQUEST|ACK|EXCL|CREATE, seq 1, pid 0
            0x64, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // ifinfomsg (16 B, all zero: the kernel picks the index)
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // IFLA_IFNAME "vx0\0"
            0x08, 0x00, 0x03, 0x00, 0x76, 0x78, 0x30, 0x00,
            // IFLA_LINKINFO (18), len 60
            0x3c, 0x00, 0x12, 0x00,
            //   IFLA_INFO_KIND "vxlan\0" + 2 B padding
            0x0a, 0x00, 0x01, 0x00, 0x76, 0x78, 0x6c, 0x61, 0x6e, 0x00, 0x00, 0x00,
            //   IFLA_INFO_DATA (2), len 44
            0x2c, 0x00, 0x02, 0x00,
            //     IFLA_VXLAN_ID (1): 4096, host order
            0x08, 0x00, 0x01, 0x00, 0x00, 0x10, 0x00, 0x00,
            //     IFLA_VXLAN_LOCAL (4): 10.98.0.11
            0x08, 0x00, 0x04, 0x00, 0x0a, 0x62, 0x00, 0x0b,
            //     IFLA_VXLAN_PORT (15): 4789 in network order + 2 B padding
            0x06, 0x00, 0x0f, 0x00, 0x12, 0xb5, 0x00, 0x00,
            //     IFLA_VXLAN_LEARNING (7): 0 + 3 B padding
            0x05, 0x00, 0x07, 0x00, 0x00, 0x00, 0x00, 0x00,
            //     IFLA_VXLAN_PROXY (11): 1 + 3 B padding
            0x05, 0x00, 0x0b, 0x00, 0x01, 0x00, 0x00, 0x00,
        ]
        #expect(bytes == expected)
        #expect(throws: NetlinkError.invalidArgument("VXLAN id must be between 1-16777215, received: 16777216")) {
            try NetlinkRequest.createVXLAN(name: "vx0", vni: 1 << 24, local: nil, port: 4789, mtu: nil)
        }
    }

    @Test func aPermanentNeighbourEntryReplacesAnyOlderOne() throws {
        let bytes = try NetlinkRequest.replaceNeighbour(IPAddress("10.0.0.3")!, mac: Self.mac, index: 5).encoded(sequence: 1, portID: 0)
        let expected: [UInt8] = [
            // nlmsghdr: len 48, RTM_NEWNEIGH (28), REQUEST|ACK|REPLACE|CREATE
            0x30, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x05, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // ndmsg: AF_INET, pad, ifindex 5, NUD_PERMANENT (0x80), flags 0, type 0
            0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00,
            // NDA_DST (1): 10.0.0.3
            0x08, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x03,
            // NDA_LLADDR (2): 02:42:0a:00:00:03 + 2 B padding
            0x0a, 0x00, 0x02, 0x00, 0x02, 0x42, 0x0a, 0x00, 0x00, 0x03, 0x00, 0x00,
        ]
        #expect(bytes == expected)
    }

    @Test func aVXLANForwardingEntryAndItsDeletion() throws {
        let add = try NetlinkRequest.replaceForwarding(mac: Self.mac, destination: IPAddress("10.98.0.12")!, index: 6).encoded(sequence: 1, portID: 0)
        let lladdrAndDst: [UInt8] = [
            // NDA_LLADDR (2) + 2 B padding, NDA_DST (1): the remote VTEP 10.98.0.12
            0x0a, 0x00, 0x02, 0x00, 0x02, 0x42, 0x0a, 0x00, 0x00, 0x03, 0x00, 0x00,
            0x08, 0x00, 0x01, 0x00, 0x0a, 0x62, 0x00, 0x0c,
        ]
        #expect(add == [
            0x30, 0x00, 0x00, 0x00, 0x1c, 0x00, 0x05, 0x05, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // ndmsg: AF_BRIDGE (7), ifindex 6, NUD_PERMANENT, NTF_SELF (2)
            0x07, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x80, 0x00, 0x02, 0x00,
        ] + lladdrAndDst)
        let delete = try NetlinkRequest.deleteForwarding(mac: Self.mac, destination: IPAddress("10.98.0.12")!, index: 6).encoded(sequence: 1, portID: 0)
        #expect(delete == [
            // RTM_DELNEIGH (29), REQUEST|ACK
            0x30, 0x00, 0x00, 0x00, 0x1d, 0x00, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x07, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00,
        ] + lladdrAndDst)
    }

    @Test func theRecordingDoubleKeepsEntriesPerLinkAsTheKernelDoes() async throws {
        let n = RecordingRouteNetlink()
        try await n.createVXLAN(name: "vx0", vni: 4096, local: nil, port: 4789, mtu: 1450)
        let ip = IPAddress("10.0.0.3")!, vtep = IPAddress("10.98.0.12")!
        try await n.replaceNeighbour(ip, mac: Self.mac, link: "vx0")
        try await n.replaceForwarding(mac: Self.mac, destination: vtep, link: "vx0")
        #expect(try n.neighbours(link: "vx0") == [ip: Self.mac])
        #expect(try n.forwarding(link: "vx0") == [Self.mac: vtep])
        // A delete naming another VTEP is not this entry's: the kernel answers ENOENT.
        await #expect(throws: NetlinkError.self) { try await n.deleteForwarding(mac: Self.mac, destination: IPAddress("10.98.0.13")!, link: "vx0") }
        try await n.deleteForwarding(mac: Self.mac, destination: vtep, link: "vx0")
        try await n.deleteNeighbour(ip, link: "vx0")
        #expect(try n.neighbours(link: "vx0").isEmpty && n.forwarding(link: "vx0").isEmpty)
        await #expect(throws: NetlinkError.self) { try await n.replaceNeighbour(ip, mac: Self.mac, link: "nosuch") }
    }
}
