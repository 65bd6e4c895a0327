import BerthCore
import Testing

@testable import BerthNetlink

#if canImport(Glibc)
import Glibc
#endif

// Netlink is host-endian; these fixtures are written for little-endian machines (x86_64, arm64).
#if _endian(little)

private typealias Fixtures = NetlinkFixtures

/// Routes, the veth-into-a-namespace request and the other endpoint link changes, on the wire.
@Suite("Netlink codec: routes and endpoint links")
struct NetlinkRouteCodecTests {
    private static func route(
        _ destination: String?, via gateway: String?, index: Int32 = 5, table: Int? = nil, metric: Int? = nil
    ) throws -> RouteInfo {
        try RouteInfo(
            validating: destination.flatMap { CIDR($0) }, gateway: gateway.flatMap { IPAddress($0) },
            outputIndex: index, table: table, metric: metric)
    }

    @Test("IPv4 default route via a gateway: rtmsg for main/boot/universe/unicast, RTA_GATEWAY, RTA_OIF")
    func addIPv4DefaultRoute() throws {
        let bytes = try NetlinkRequest.addRoute(Self.route(nil, via: "172.17.0.1")).encoded(sequence: 3, portID: 0x1234)
        let expected: [UInt8] = [
            // nlmsghdr (16 B): len 44, RTM_NEWROUTE (24), NLM_F_REQUEST|ACK|EXCL|CREATE (0x605), seq 3, pid 0x1234
            0x2c, 0x00, 0x00, 0x00, 0x18, 0x00, 0x05, 0x06, 0x03, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00,
            // rtmsg (12 B): AF_INET, dst_len 0 (default: no RTA_DST), src_len 0, tos 0,
            //   RT_TABLE_MAIN (254), RTPROT_BOOT (3), RT_SCOPE_UNIVERSE (0), RTN_UNICAST (1), flags 0
            0x02, 0x00, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            // RTA_GATEWAY (8 B): len 8, type 5, 172.17.0.1
            0x08, 0x00, 0x05, 0x00, 0xac, 0x11, 0x00, 0x01,
            // RTA_OIF (8 B): len 8, type 4, index 5
            0x08, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00,
        ]
        #expect(bytes == expected)
    }

    @Test("IPv6 route with metric in a table past 255: RTA_DST, RTA_PRIORITY, RTA_TABLE")
    func addIPv6Route() throws {
        let route = try Self.route("2001:db8:1::/48", via: "fe80::1", table: 1000, metric: 100)
        let bytes = try NetlinkRequest.addRoute(route).encoded(sequence: 4, portID: 0)
        let expected: [UInt8] = [
            // nlmsghdr (16 B): len 92, RTM_NEWROUTE (24), NLM_F_REQUEST|ACK|EXCL|CREATE, seq 4, pid 0
            0x5c, 0x00, 0x00, 0x00, 0x18, 0x00, 0x05, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // rtmsg (12 B): AF_INET6 (10), dst_len 48, src_len 0, tos 0,
            //   RT_TABLE_UNSPEC (the table travels in RTA_TABLE), RTPROT_BOOT, universe, unicast, flags 0
            0x0a, 0x30, 0x00, 0x00, 0x00, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            // RTA_DST (20 B): len 20, type 1, 2001:db8:1::
            0x14, 0x00, 0x01, 0x00, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // RTA_GATEWAY (20 B): len 20, type 5, fe80::1
            0x14, 0x00, 0x05, 0x00, 0xfe, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
            // RTA_OIF (8 B): index 5
            0x08, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00,
            // RTA_PRIORITY (8 B): len 8, type 6, metric 100
            0x08, 0x00, 0x06, 0x00, 0x64, 0x00, 0x00, 0x00,
            // RTA_TABLE (8 B): len 8, type 15, table 1000
            0x08, 0x00, 0x0f, 0x00, 0xe8, 0x03, 0x00, 0x00,
        ]
        #expect(bytes == expected)
    }

    @Test("delete request: RTM_DELROUTE, no NLM_F_CREATE, protocol and type unset, RT_SCOPE_NOWHERE")
    func deleteIPv4Route() throws {
        let bytes = try NetlinkRequest.deleteRoute(Self.route(nil, via: "172.17.0.1")).encoded(sequence: 5, portID: 0)
        let expected: [UInt8] = [
            // nlmsghdr (16 B): len 44, RTM_DELROUTE (25), NLM_F_REQUEST|ACK (0x5), seq 5, pid 0
            0x2c, 0x00, 0x00, 0x00, 0x19, 0x00, 0x05, 0x00, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // rtmsg (12 B): AF_INET, dst_len 0, src_len 0, tos 0, main, RTPROT_UNSPEC,
            //   RT_SCOPE_NOWHERE (255, "any scope"), RTN_UNSPEC, flags 0
            0x02, 0x00, 0x00, 0x00, 0xfe, 0x00, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00,
            // RTA_GATEWAY (8 B): 172.17.0.1
            0x08, 0x00, 0x05, 0x00, 0xac, 0x11, 0x00, 0x01,
            // RTA_OIF (8 B): index 5
            0x08, 0x00, 0x04, 0x00, 0x05, 0x00, 0x00, 0x00,
        ]
        #expect(bytes == expected)
    }

    @Test("a route without a gateway is scope link (IPv4); the host part of its destination is dropped")
    func directRoute() throws {
        let route = try Self.route("10.1.2.3/16", via: nil)
        #expect(route.destination == CIDR("10.1.0.0/16"))
        let request = try NetlinkRequest.addRoute(route)
        #expect(request.header[1] == 16)  // rtm_dst_len
        #expect(request.header[6] == 253)  // RT_SCOPE_LINK
        #expect(request.attributes.map(\.type) == [1, 4])  // RTA_DST, RTA_OIF
        #expect(request.attributes.first?.payload == [10, 1, 0, 0])
        // 0.0.0.0/0 written out is the default route.
        #expect(try Self.route("0.0.0.0/0", via: "10.0.0.1").destination == nil)
    }

    @Test("routes the kernel would refuse, or whose family is unknown, are refused before sending")
    func invalidRoutes() {
        #expect(throws: NetlinkError.self) { try Self.route(nil, via: nil) }
        #expect(throws: NetlinkError.self) { try Self.route("10.0.0.0/8", via: "fd00::1") }
        #expect(throws: NetlinkError.self) { try Self.route(nil, via: "10.0.0.1", index: 0) }
        #expect(throws: NetlinkError.self) { try Self.route(nil, via: "10.0.0.1", table: 0) }
        #expect(throws: NetlinkError.self) { try Self.route(nil, via: "10.0.0.1", table: 1 << 32) }
        #expect(throws: NetlinkError.self) { try Self.route(nil, via: "10.0.0.1", metric: -1) }
        #expect(throws: NetlinkError.self) {
            try NetlinkRequest.addRoute(RouteInfo(family: .v4, gateway: IPAddress("fd00::1"), outputIndex: 5))
        }
        #expect(throws: NetlinkError.self) {
            try NetlinkRequest.addRoute(RouteInfo(family: .v4, gateway: IPAddress("10.0.0.1")))  // no link
        }
    }

    @Test("veth with its peer born in another namespace: IFLA_NET_NS_FD inside VETH_INFO_PEER")
    func createVethIntoNamespace() throws {
        let request = try NetlinkRequest.createVeth(name: "va", peerName: "vb", peerNamespaceFD: 7, mtu: nil)
        let bytes = try request.encoded(sequence: 1, portID: 0)
        let expected: [UInt8] = [
            // nlmsghdr (16 B): len 96, RTM_NEWLINK (16), NLM_F_REQUEST|ACK|EXCL|CREATE, seq 1, pid 0
            0x60, 0x00, 0x00, 0x00, 0x10, 0x00, 0x05, 0x06, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // ifinfomsg (16 B): AF_UNSPEC, index 0, flags 0, change 0
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // IFLA_IFNAME (8 B): len 7, type 3, "va\0", 1 B padding
            0x07, 0x00, 0x03, 0x00, 0x76, 0x61, 0x00, 0x00,
            // IFLA_LINKINFO (56 B): len 56, type 18
            0x38, 0x00, 0x12, 0x00,
            //   IFLA_INFO_KIND (12 B): len 9, type 1, "veth\0", 3 B padding
            0x09, 0x00, 0x01, 0x00, 0x76, 0x65, 0x74, 0x68, 0x00, 0x00, 0x00, 0x00,
            //   IFLA_INFO_DATA (40 B): len 40, type 2
            0x28, 0x00, 0x02, 0x00,
            //     VETH_INFO_PEER (36 B): len 36, type 1
            0x24, 0x00, 0x01, 0x00,
            //       ifinfomsg (16 B): the peer's, all zero
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            //       IFLA_IFNAME (8 B): len 7, type 3, "vb\0", 1 B padding
            0x07, 0x00, 0x03, 0x00, 0x76, 0x62, 0x00, 0x00,
            //       IFLA_NET_NS_FD (8 B): len 8, type 28, fd 7
            0x08, 0x00, 0x1c, 0x00, 0x07, 0x00, 0x00, 0x00,
        ]
        #expect(bytes == expected)
        #expect(throws: NetlinkError.self) {
            try NetlinkRequest.createVeth(name: "va", peerName: "vb", peerNamespaceFD: -1, mtu: nil)
        }
    }

    @Test("set-MAC request: RTM_SETLINK with IFLA_ADDRESS; multicast and zero addresses refused")
    func setMACRequest() throws {
        let mac = try #require(MACAddress("02:42:ac:11:00:02"))
        let bytes = try NetlinkRequest.setMAC(name: "eth0", mac: mac).encoded(sequence: 2, portID: 0)
        let expected: [UInt8] = [
            // nlmsghdr (16 B): len 56, RTM_SETLINK (19), NLM_F_REQUEST|ACK, seq 2, pid 0
            0x38, 0x00, 0x00, 0x00, 0x13, 0x00, 0x05, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // ifinfomsg (16 B): AF_UNSPEC, index 0 (look up by name), flags 0, change 0
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // IFLA_IFNAME (12 B): len 9, type 3, "eth0\0", 3 B padding
            0x09, 0x00, 0x03, 0x00, 0x65, 0x74, 0x68, 0x30, 0x00, 0x00, 0x00, 0x00,
            // IFLA_ADDRESS (12 B): len 10, type 1, 02:42:ac:11:00:02, 2 B padding
            0x0a, 0x00, 0x01, 0x00, 0x02, 0x42, 0xac, 0x11, 0x00, 0x02, 0x00, 0x00,
        ]
        #expect(bytes == expected)
        for text in ["01:00:5e:00:00:01", "00:00:00:00:00:00", "ff:ff:ff:ff:ff:ff"] {
            let bad = try #require(MACAddress(text))
            #expect(throws: NetlinkError.self) { try NetlinkRequest.setMAC(name: "eth0", mac: bad) }
        }
    }

    @Test("rename addresses the link by index and carries the new name; link down clears only IFF_UP")
    func renameAndLinkDown() throws {
        let rename = try NetlinkRequest.rename(index: 9, to: "eth0").encoded(sequence: 6, portID: 0)
        let expected: [UInt8] = [
            // nlmsghdr (16 B): len 44, RTM_SETLINK (19), NLM_F_REQUEST|ACK, seq 6, pid 0
            0x2c, 0x00, 0x00, 0x00, 0x13, 0x00, 0x05, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // ifinfomsg (16 B): AF_UNSPEC, index 9, flags 0, change 0
            0x00, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // IFLA_IFNAME (12 B): len 9, type 3, "eth0\0" (the new name), 3 B padding
            0x09, 0x00, 0x03, 0x00, 0x65, 0x74, 0x68, 0x30, 0x00, 0x00, 0x00, 0x00,
        ]
        #expect(rename == expected)
        #expect(throws: NetlinkError.self) { try NetlinkRequest.rename(index: 9, to: "a/b") }
        #expect(throws: NetlinkError.self) { try NetlinkRequest.rename(index: 0, to: "eth0") }

        let down = try NetlinkRequest.setLinkDown(name: "eth0")
        // ifinfomsg: ifi_flags 0, ifi_change IFF_UP.
        #expect(down.header == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0])
    }

    /// An `RTM_NEWROUTE` dump entry shaped like the kernel's (`fib_dump_info` attribute order):
    /// the IPv4 default route via 172.17.0.1 out of index 2.
    static let newRouteReply: [UInt8] = [
        // nlmsghdr (16 B): len 52, RTM_NEWROUTE (24), NLM_F_MULTI, seq 7, pid 0x1234
        0x34, 0x00, 0x00, 0x00, 0x18, 0x00, 0x02, 0x00, 0x07, 0x00, 0x00, 0x00, 0x34, 0x12, 0x00, 0x00,
        // rtmsg (12 B): AF_INET, dst_len 0, src_len 0, tos 0, main, boot, universe, unicast, flags 0
        0x02, 0x00, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
        // RTA_TABLE (8 B): len 8, type 15, 254
        0x08, 0x00, 0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00,
        // RTA_GATEWAY (8 B): 172.17.0.1
        0x08, 0x00, 0x05, 0x00, 0xac, 0x11, 0x00, 0x01,
        // RTA_OIF (8 B): index 2
        0x08, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00,
    ]

    @Test("RTM_NEWROUTE dump entries decode into RouteInfo: default, connected, IPv6 with metric")
    func newRouteReplyDecodes() throws {
        let connected: [UInt8] = [
            // rtmsg (12 B): AF_INET, dst_len 16, main, RTPROT_KERNEL (2), RT_SCOPE_LINK (253), unicast
            0x02, 0x10, 0x00, 0x00, 0xfe, 0x02, 0xfd, 0x01, 0x00, 0x00, 0x00, 0x00,
            // RTA_TABLE (8 B): 254
            0x08, 0x00, 0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00,
            // RTA_DST (8 B): 172.17.0.0
            0x08, 0x00, 0x01, 0x00, 0xac, 0x11, 0x00, 0x00,
            // RTA_PREFSRC (8 B): type 7, 172.17.0.2 (not kept)
            0x08, 0x00, 0x07, 0x00, 0xac, 0x11, 0x00, 0x02,
            // RTA_OIF (8 B): index 2
            0x08, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00,
        ]
        let ipv6Default: [UInt8] = [
            // rtmsg (12 B): AF_INET6, dst_len 0, main, boot, universe, unicast, flags 0
            0x0a, 0x00, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00,
            // RTA_TABLE (8 B): 254
            0x08, 0x00, 0x0f, 0x00, 0xfe, 0x00, 0x00, 0x00,
            // RTA_PRIORITY (8 B): 1024
            0x08, 0x00, 0x06, 0x00, 0x00, 0x04, 0x00, 0x00,
            // RTA_GATEWAY (20 B): fd00:17::1
            0x14, 0x00, 0x05, 0x00, 0xfd, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
            // RTA_OIF (8 B): index 2
            0x08, 0x00, 0x04, 0x00, 0x02, 0x00, 0x00, 0x00,
            // RTA_PREF (8 B): len 5, type 20, medium (0), 3 B padding (unknown to us: skipped)
            0x05, 0x00, 0x14, 0x00, 0x00, 0x00, 0x00, 0x00,
        ]
        let datagram = Self.newRouteReply
            + Fixtures.message(type: 24, flags: 2, sequence: 7, payload: connected)
            + Fixtures.message(type: 24, flags: 2, sequence: 7, payload: ipv6Default)
            + Fixtures.done(7)
        let messages = try NetlinkMessage.parse(datagram: datagram)
        #expect(messages.map(\.type) == [.RTM_NEWROUTE, .RTM_NEWROUTE, .RTM_NEWROUTE, .NLMSG_DONE])
        let routes = try messages.dropLast().compactMap { try RouteInfo(message: $0) }
        #expect(
            routes == [
                RouteInfo(family: .v4, gateway: IPAddress("172.17.0.1"), outputIndex: 2),
                RouteInfo(family: .v4, destination: CIDR("172.17.0.0/16"), outputIndex: 2),
                RouteInfo(family: .v6, gateway: IPAddress("fd00:17::1"), outputIndex: 2, metric: 1024),
            ])
        #expect(routes[0].isDefault && !routes[1].isDefault)
        #expect(routes.allSatisfy { $0.table == RouteInfo.mainTable })
    }

    @Test("local, cloned and non-IP routes are skipped; malformed ones throw")
    func skippedAndMalformedRoutes() throws {
        func decode(_ payload: [UInt8]) throws -> RouteInfo? {
            let messages = try NetlinkMessage.parse(datagram: Fixtures.message(type: 24, sequence: 1, payload: payload))
            return try RouteInfo(message: try #require(messages.first))
        }
        let header: [UInt8] = [0x02, 0x00, 0x00, 0x00, 0xfe, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00]
        #expect(try decode(header) == RouteInfo(family: .v4))
        var local = header
        local[4] = 255
        local[7] = 2  // RTN_LOCAL in the local table
        #expect(try decode(local) == nil)
        var cloned = header
        cloned[9] = 0x02  // rtm_flags: RTM_F_CLONED (0x200)
        #expect(try decode(cloned) == nil)
        var bridge = header
        bridge[0] = 7  // AF_BRIDGE
        #expect(try decode(bridge) == nil)

        var noDestination = header
        noDestination[1] = 16  // dst_len 16 but no RTA_DST
        #expect(throws: NetlinkError.self) { try decode(noDestination) }
        var tooLong = header
        tooLong[1] = 33
        #expect(throws: NetlinkError.self) { try decode(tooLong) }
        var shortDestination = header
        shortDestination[1] = 8
        shortDestination += [0x06, 0x00, 0x01, 0x00, 0x0a, 0x00, 0x00, 0x00]  // RTA_DST of 2 bytes
        #expect(throws: NetlinkError.self) { try decode(shortDestination) }
        #expect(throws: NetlinkError.self) { try decode(Array(header.prefix(8))) }  // shorter than rtmsg
        #expect(throws: NetlinkError.self) { try decode(header + [0x08, 0x00, 0x04, 0x00, 0x02]) }  // cut attribute
    }

    @Test("every truncation of a route reply decodes or throws without trapping")
    func routeTruncation() {
        for length in 0..<Self.newRouteReply.count {
            var truncated = Array(Self.newRouteReply.prefix(length))
            if length >= 16 {
                truncated.withUnsafeMutableBytes { $0.storeBytes(of: UInt32(length), as: UInt32.self) }
            }
            guard let messages = try? NetlinkMessage.parse(datagram: truncated) else { continue }
            for message in messages { _ = try? RouteInfo(message: message) }
        }
    }
}

#endif
