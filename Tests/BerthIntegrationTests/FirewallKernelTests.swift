import BerthCore
import BerthFirewall
import Foundation
import Testing

/// libnftables against the kernel, in a namespace made for the test (the machine's own ruleset
/// is never touched): a script applies as one transaction, a bad one changes nothing.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root to create network namespaces"))
struct FirewallKernelTests {
    @Test func appliesAtomicallyInASandboxAndRefusesBadScripts() async throws {
        let dir = "/tmp/berth-fw-\(Identifier.random().prefix(8))"
        let key = dir + "/ns"
        try await NetworkNamespace.create(at: key)
        defer {
            try? NetworkNamespace.remove(at: key)
            try? FileManager.default.removeItem(atPath: dir)
        }
        let nft = LinuxNFTables()
        let target = FirewallTarget.namespace(path: key)
        try await nft.apply(DNSRedirectRules(udpPort: 40001, tcpPort: 40002).script, in: target)
        let listed = try await nft.query("list table ip berth_dns", in: target)
        #expect(listed.contains("udp dport 53 udp dport set 40001 notrack"), "\(listed)")
        #expect(listed.contains("tcp dport 53 dnat to 127.0.0.11:40002"), "\(listed)")

        // Replacing the table (a daemon restart with new ports) leaves only the new rules.
        try await nft.apply(DNSRedirectRules(udpPort: 41001, tcpPort: 41002).replacing, in: target)
        let replaced = try await nft.query("list table ip berth_dns", in: target)
        #expect(replaced.contains("41001") && !replaced.contains("40001"))

        // A script whose second command is bad is refused whole: the first one did not happen.
        await #expect {
            try await nft.apply("add table ip berth_extra\nadd rule ip berth_dns nosuchchain accept\n", in: target)
        } throws: { error in
            guard case let .rejected(message, _)? = error as? FirewallError else { return false }
            return message.contains("No such file or directory") || message.contains("nosuchchain")
        }
        let tables = try await nft.query("list tables", in: target)
        #expect(tables.contains("berth_dns") && !tables.contains("berth_extra"), "\(tables)")

        // The daemon's (here: the test process's) own namespace was not touched.
        let own = try await nft.query("list tables", in: .host)
        #expect(!own.contains("berth_dns"))
    }

    /// The host table as `HostRules` renders it, with every kind of element, is accepted by the
    /// kernel; a second rebuild keeps the administrator's rules and drops what is gone; element
    /// changes apply on top.
    @Test func theHostTableIsAcceptedAndRebuildsKeepTheUserChain() async throws {
        let dir = "/tmp/berth-fw-\(Identifier.random().prefix(8))"
        let key = dir + "/ns"
        try await NetworkNamespace.create(at: key)
        defer {
            try? NetworkNamespace.remove(at: key)
            try? FileManager.default.removeItem(atPath: dir)
        }
        let nft = LinuxNFTables()
        let target = FirewallTarget.namespace(path: key)
        let nets = [
            FirewallNetwork(bridge: "br-a", subnets: [CIDR("172.18.0.0/16")!, CIDR("fd00:1::/64")!]),
            FirewallNetwork(bridge: "br-b", subnets: [CIDR("172.19.0.0/16")!], icc: false, masquerade: false),
            FirewallNetwork(bridge: "br-c", subnets: [CIDR("172.20.0.0/16")!], isInternal: true),
        ]
        let ports = [
            PublishedPort(proto: .tcp, hostIP: "0.0.0.0", hostPort: 8080, containerIP: "172.18.0.2", containerPort: 80),
            PublishedPort(proto: .udp, hostIP: "127.0.0.1", hostPort: 5353, containerIP: "172.18.0.2", containerPort: 53),
            PublishedPort(proto: .sctp, hostIP: "::", hostPort: 9, containerIP: "fd00:1::2", containerPort: 9),
            PublishedPort(proto: .tcp, hostIP: "fd99::1", hostPort: 8443, containerIP: "fd00:1::2", containerPort: 443),
        ]
        try await nft.apply(HostRules.rebuild(networks: nets, ports: ports, isolatedPorts: ["veth1234567"], forwardingGuard: true), in: target)
        let table = try await nft.query("list table inet berth", in: target)
        #expect(table.contains("tcp . 8080 : 172.18.0.2 . 80") && table.contains("127.0.0.1 . udp . 5353 : 172.18.0.2 . 53"), "\(table)")
        #expect(table.contains("iifname != @bridges oifname != @bridges drop"))
        #expect(try await nft.query("list set bridge berth isolated_ports", in: target).contains("veth1234567"))

        try await nft.apply("add rule inet berth user counter comment \"mine\"\n", in: target)
        try await nft.apply(HostRules.rebuild(networks: Array(nets.prefix(1)), ports: []), in: target)
        let again = try await nft.query("list table inet berth", in: target)
        #expect(again.contains("comment \"mine\""), "the user chain keeps its rules")
        #expect(!again.contains("br-b") && !again.contains("8080"), "what is gone is gone")
        #expect(!(try await nft.query("list set bridge berth isolated_ports", in: target)).contains("veth1234567"))

        try await nft.apply(HostRules.add(HostRules.elements(of: ports[0])) + HostRules.isolate(["veth7654321"]), in: target)
        try await nft.apply(HostRules.delete(HostRules.elements(of: ports[0])) + HostRules.release(["veth7654321"]), in: target)
        #expect(!(try await nft.query("list table inet berth", in: target)).contains("8080"))
    }

    @Test func aMissingNamespaceIsAClearError() async {
        await #expect(throws: FirewallError.self) {
            try await LinuxNFTables().apply("add table ip x\n", in: .namespace(path: "/tmp/berth-no-such-netns"))
        }
    }
}
