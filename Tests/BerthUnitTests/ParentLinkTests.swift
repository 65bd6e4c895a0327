import BerthCore
import BerthNetlink
import Testing

@testable import BerthNetwork

/// `-o parent`, `-o macvlan_mode`, `-o ipvlan_mode` and `-o ipvlan_flag` read as dockerd reads
/// them (moby master's macvlan and ipvlan drivers), with its messages.
@Suite struct ParentLinkTests {
    static let id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    static func plan(_ parent: String?, driver: String = "macvlan", links: Set<String> = ["eth0", "lan0"]) throws(BerthError) -> ParentLink {
        try ParentLink.plan(parent: parent, networkID: id, driver: driver, linkExists: { links.contains($0) })
    }

    @Test func parentForms() throws {
        #expect(try Self.plan("lan0") == .existing("lan0"))
        #expect(try Self.plan("eth0.10") == .vlan(name: "eth0.10", base: "eth0", id: 10))
        #expect(try Self.plan(nil) == .dummy("dm-0123456789ab"))
        #expect(try Self.plan("", driver: "ipvlan") == .dummy("di-0123456789ab"))
        // A sub-interface that already exists (made by the user) is used as it is.
        #expect(try Self.plan("eth0.20", links: ["eth0", "eth0.20"]) == .existing("eth0.20"))
    }

    @Test func refusalsInDockerdsWords() {
        let cases: [(String, String, String)] = [
            ("lo", "macvlan", "loopback interface is not a valid macvlan parent link"),
            ("lo", "ipvlan", "loopback interface is not a valid ipvlan parent link"),
            ("nothere", "macvlan", "invalid subinterface vlan name nothere, example formatting is eth0.10"),
            ("eth0.1.2", "macvlan", "required interface name format is: name.vlan_id, ex. eth0.10 for vlan 10, instead received eth0.1.2"),
            ("eth0.x", "macvlan", "unable to parse a valid vlan id from: x (ex. eth0.10 for vlan 10)"),
            ("eth9.10", "macvlan", "-o parent interface was not found on the host: eth9"),
            ("eth0.4095", "macvlan", "vlan id must be between 1-4094, received: 4095"),
            ("eth0.0", "ipvlan", "vlan id must be between 1-4094, received: 0"),
        ]
        for (parent, driver, message) in cases {
            #expect(throws: BerthError.invalidArgument(message), "\(parent)") { _ = try Self.plan(parent, driver: driver) }
        }
    }

    @Test func modesAndFlags() throws {
        #expect(try MacvlanMode.parse(nil) == .bridge && MacvlanMode.parse("passthru") == .passthru)
        #expect(throws: BerthError.invalidArgument("requested macvlan mode 'bridged' is not valid, 'bridge' mode is the macvlan driver default")) {
            _ = try MacvlanMode.parse("bridged")
        }
        #expect(try IpvlanMode.parse("") == .l2 && IpvlanMode.parse("l3s") == .l3s)
        #expect(throws: BerthError.invalidArgument("requested ipvlan mode 'l4' is not valid, 'l2' mode is the ipvlan driver default")) {
            _ = try IpvlanMode.parse("l4")
        }
        #expect(try IpvlanFlag.parse(nil) == .bridge && IpvlanFlag.parse("vepa") == .vepa)
        #expect(throws: BerthError.invalidArgument("requested ipvlan flag 'x' is not valid, 'bridge' is the ipvlan driver default")) {
            _ = try IpvlanFlag.parse("x")
        }
    }
}
