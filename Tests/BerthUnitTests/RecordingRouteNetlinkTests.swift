import BerthCore
import BerthNetlink
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("RecordingRouteNetlink")
struct RecordingRouteNetlinkTests {
    @Test("create then list; duplicates fail with EEXIST; missing links with ENODEV")
    func modelSemantics() async throws {
        let netlink = RecordingRouteNetlink()
        try await netlink.createBridge(name: "br-1", mtu: 1400, alias: "berth")
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST)) {
            try await netlink.createBridge(name: "br-1", mtu: nil, alias: nil)
        }
        try await netlink.setLinkUp(name: "br-1")
        let gateway = try #require(CIDR("172.18.0.1/16"))
        try await netlink.addAddress(gateway, link: "br-1")
        try await netlink.addAddress(gateway, link: "br-1")  // idempotent
        try await netlink.createVeth(name: "veth0", peerName: "veth1", mtu: nil)
        try await netlink.setMaster(name: "veth0", master: "br-1")

        let links = try await netlink.links()
        #expect(links.map(\.name) == ["lo", "br-1", "veth1", "veth0"])
        let bridge = try #require(try await netlink.link(named: "br-1"))
        #expect(bridge.kind == "bridge" && bridge.alias == "berth" && bridge.mtu == 1400 && bridge.isUp)
        #expect(try await netlink.link(named: "veth0")?.masterIndex == bridge.index)
        #expect(try await netlink.addresses(link: "br-1") == [gateway])

        try await netlink.deleteLink(name: "veth1")  // takes its peer along
        #expect(try await netlink.link(named: "veth0") == nil)
        try await netlink.deleteLink(name: "br-1")
        #expect(try await netlink.links().map(\.name) == ["lo"])
        await #expect(throws: NetlinkError.kernel(operation: "RTM_DELLINK", errno: ENODEV)) {
            try await netlink.deleteLink(name: "br-1")
        }
        await #expect(throws: NetlinkError.kernel(operation: "RTM_GETLINK", errno: ENODEV)) {
            try await netlink.addresses(link: "br-1")
        }
    }

    @Test("records every call in order, failed ones included, and injects failures once")
    func recordsCalls() async throws {
        let netlink = RecordingRouteNetlink()
        netlink.failNext(where: { $0 == .setLinkUp(name: "br-2") }, with: NetlinkError.kernel(operation: "RTM_SETLINK", errno: EPERM))
        try await netlink.createBridge(name: "br-2", mtu: nil, alias: nil)
        await #expect(throws: NetlinkError.kernel(operation: "RTM_SETLINK", errno: EPERM)) {
            try await netlink.setLinkUp(name: "br-2")
        }
        try await netlink.setLinkUp(name: "br-2")
        try await netlink.setNamespace(name: "br-2", fd: 3)
        _ = try await netlink.links()
        #expect(
            netlink.calls == [
                .createBridge(name: "br-2", mtu: nil, alias: nil),
                .setLinkUp(name: "br-2"),
                .setLinkUp(name: "br-2"),
                .setNamespace(name: "br-2", fd: 3),
                .links,
            ])
        #expect(try await netlink.link(named: "br-2") == nil)  // moved out of this namespace
    }
}
