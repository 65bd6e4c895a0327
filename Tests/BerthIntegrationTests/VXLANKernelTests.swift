import BerthCore
import BerthNetlink
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The overlay's data plane as the kernel runs it, built with Berth's netlink: two "hosts"
/// (namespaces joined by a veth underlay), a VXLAN device in each without learning and with
/// proxy ARP, and only permanent neighbour and FDB entries. A ping crosses; removing the FDB
/// entry stops it (nothing was learned to fall back on).
@Suite(.serialized, .enabled(if: getuid() == 0 && FileManager.default.isExecutableFile(atPath: "/bin/busybox"), "needs root and busybox-static (ping)"))
struct VXLANKernelTests {
    let tag = String(UInt32.random(in: 0x10_0000..<0x100_0000), radix: 16)

    func netlink(in ns: String) async throws -> LinuxRouteNetlink {
        let socket = try await NamespaceThread.run(network: .enterPath("/run/netns/\(ns)")) { try LinuxNetlinkSocket() }
        return LinuxRouteNetlink(socket: socket)
    }

    @Test func aPingCrossesTwoHostsOnStaticEntriesOnly() async throws {
        let ns = ["bvx1-\(tag)", "bvx2-\(tag)"]
        let ip = "/usr/sbin/ip"
        defer { for n in ns { _ = try? Shell.run(ip, ["netns", "del", n]) } }
        for n in ns {
            try Shell.must(ip, ["netns", "add", n])
            try Shell.must(ip, ["-n", n, "link", "set", "lo", "up"])
        }
        try Shell.must(ip, ["-n", ns[0], "link", "add", "u0", "type", "veth", "peer", "name", "u0", "netns", ns[1]])
        var hosts: [LinuxRouteNetlink] = []
        let underlay = [IPv4Address("10.96.0.1")!, IPv4Address("10.96.0.2")!]
        let overlay = ["10.200.0.1", "10.200.0.2"]
        for i in 0..<2 {
            let n = try await netlink(in: ns[i])
            try await n.addAddress(CIDR("\(underlay[i])/24")!, link: "u0")
            try await n.setLinkUp(name: "u0")
            try await n.createVXLAN(name: "vx0", vni: 4242, local: underlay[i], port: 4789, mtu: 1450)
            try await n.addAddress(CIDR("\(overlay[i])/24")!, link: "vx0")
            try await n.setLinkUp(name: "vx0")
            hosts.append(n)
        }
        let details = try Shell.run(ip, ["-n", ns[0], "-d", "link", "show", "vx0"]).out
        #expect(details.contains("vxlan id 4242") && details.contains("local 10.96.0.1") && details.contains("dstport 4789"), "\(details)")
        #expect(details.contains("nolearning") && details.contains("proxy") && details.contains("mtu 1450"), "\(details)")

        // Each host learns the other's container address and VTEP from "the store" only.
        let macs = try await [hosts[0].link(named: "vx0")?.mac, hosts[1].link(named: "vx0")?.mac]
        for i in 0..<2 {
            let other = 1 - i
            let mac = try #require(macs[other])
            try await hosts[i].replaceNeighbour(IPAddress(overlay[other])!, mac: mac, link: "vx0")
            try await hosts[i].replaceForwarding(mac: mac, destination: .v4(underlay[other]), link: "vx0")
            // Replacing again is not an error (a watch may deliver an entry twice).
            try await hosts[i].replaceForwarding(mac: mac, destination: .v4(underlay[other]), link: "vx0")
        }
        let fdb = try Shell.run("/usr/sbin/bridge", ["-n", ns[0], "fdb", "show", "dev", "vx0"]).out
        #expect(fdb.contains("\(macs[1]!) dst 10.96.0.2 self permanent"), "\(fdb)")
        let neigh = try Shell.run(ip, ["-n", ns[0], "neigh", "show", "dev", "vx0"]).out
        #expect(neigh.contains("10.200.0.2 lladdr \(macs[1]!) PERMANENT"), "\(neigh)")

        let ping = try Shell.run(ip, ["netns", "exec", ns[0], "/bin/busybox", "ping", "-c", "1", "-W", "2", "10.200.0.2"])
        #expect(ping.code == 0, "\(ping.out)\(ping.err)")

        // Without its FDB entry the frame has nowhere to go: no learning, no flooding entry.
        try await hosts[0].deleteForwarding(mac: macs[1]!, destination: .v4(underlay[1]), link: "vx0")
        let lost = try Shell.run(ip, ["netns", "exec", ns[0], "/bin/busybox", "ping", "-c", "1", "-W", "1", "10.200.0.2"])
        #expect(lost.code != 0)
        await #expect(throws: NetlinkError.self) {
            try await hosts[0].deleteForwarding(mac: macs[1]!, destination: .v4(underlay[1]), link: "vx0")
        }
        try await hosts[0].deleteNeighbour(IPAddress(overlay[1])!, link: "vx0")
        #expect(try !Shell.run(ip, ["-n", ns[0], "neigh", "show", "dev", "vx0"]).out.contains("PERMANENT"))
    }
}
