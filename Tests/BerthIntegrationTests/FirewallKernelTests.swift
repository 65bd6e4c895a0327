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

    @Test func aMissingNamespaceIsAClearError() async {
        await #expect(throws: FirewallError.self) {
            try await LinuxNFTables().apply("add table ip x\n", in: .namespace(path: "/tmp/berth-no-such-netns"))
        }
    }
}
