import BerthAPI
import BerthCore
import Testing

@testable import BerthEngine
@testable import BerthIPAM
@testable import BerthNetwork

/// Bad input refused before anything is made, in dockerd's words: subnets no bridge can use,
/// gateways and aux addresses that are the network's own, a HostConfig that is not an object,
/// memory limits that are not int64 or are below 6 MB, a socket group that does not exist.
@Suite struct BadInputTests {
    static func assign(_ subnet: String, gateway: String? = nil, aux: [String: String] = [:]) throws(IPAMError) -> [SubnetConfig] {
        var ipam = IPAM()
        return try ipam.assign(
            networkID: "n", requests: [SubnetRequest(subnet: CIDR(subnet), gateway: gateway.flatMap { IPAddress($0) },
                                                     auxAddresses: aux.compactMapValues { IPAddress($0) })],
            enableIPv6: subnet.contains(":"))
    }

    @Test func unusableSubnetsAndAddresses() throws {
        let cases: [(String, String?, [String: String], IPAMError)] = [
            ("::/0", nil, [:], .invalid("invalid subnet ::/0: it covers every address; give a smaller subnet, or none and one is chosen from the pools")),
            ("ff02::/64", nil, [:], .invalid("multicast subnet 'ff02::/64' is not allowed")),
            ("224.1.0.0/16", nil, [:], .invalid("multicast subnet '224.1.0.0/16' is not allowed")),
            ("::1/128", nil, [:], .unallocatable("failed to allocate gateway (): no available addresses on this pool")),
            ("10.99.0.0/24", "10.99.0.0", [:], .unallocatable("failed to allocate gateway (10.99.0.0): Address already in use")),
            ("10.99.0.0/24", "10.99.0.255", [:], .unallocatable("failed to allocate gateway (10.99.0.255): Address already in use")),
            ("fd99::/64", "fd99::", [:], .unallocatable("failed to allocate gateway (fd99::): Address already in use")),
            ("10.201.1.0/24", "10.201.1.1", ["a": "10.201.1.1"], .unallocatable("failed to allocate secondary ip address (a:10.201.1.1): Address already in use")),
            ("10.201.9.0/24", nil, ["a": "10.201.9.0"], .unallocatable("failed to allocate secondary ip address (a:10.201.9.0): Address already in use")),
        ]
        for (subnet, gw, aux, expected) in cases {
            #expect(throws: expected, "\(subnet) gw \(gw ?? "-")") { _ = try Self.assign(subnet, gateway: gw, aux: aux) }
        }
        #expect(IPAMError.unallocatable("x").berthError.code.httpStatus == 500)
        // /31 and /32 have no network or broadcast address to protect (RFC 3021).
        #expect(try Self.assign("10.99.0.0/31").first?.gateway.description == "10.99.0.0")
        #expect(try Self.assign("10.99.0.0/32", gateway: "10.99.0.0").first?.gateway.description == "10.99.0.0")
        #expect(try Self.assign("fe80::/64").contains { $0.subnet.description == "fe80::/64" })
    }

    @Test func subnetsAndRangesWithHostBitsAreRefusedAsCurrentDockerdDoes() throws {
        func parse(_ subnet: String, range: String? = nil) throws(BerthError) {
            _ = try NetworkController.parseSubnets([.init(subnet: subnet, ipRange: range)])
        }
        #expect(throws: BerthError.invalidArgument("invalid network config:\ninvalid subnet 10.1.2.3/24: it should be 10.1.2.0/24")) { try parse("10.1.2.3/24") }
        #expect(throws: BerthError.invalidArgument("invalid network config:\ninvalid subnet fd99::5/64: it should be fd99::/64")) { try parse("fd99::5/64") }
        #expect(throws: BerthError.invalidArgument("invalid network config:\ninvalid ip-range 10.208.0.5/25: it should be 10.208.0.0/25")) {
            try parse("10.208.0.0/24", range: "10.208.0.5/25")
        }
        #expect(throws: Never.self) { try parse("10.208.0.0/24", range: "10.208.0.128/25") }
    }

    @Test func createBodyTypes() throws {
        func parse(_ text: String) throws -> ContainerCreateRequest { try ContainerCreateRequest(json: try JSONParser.parse(text)) }
        for (hostConfig, kind) in [("\"x\"", "string"), ("5", "number"), ("[]", "array")] {
            #expect(throws: APIError.invalidParameter("json: cannot unmarshal \(kind) into field HostConfig of type container.HostConfig")) {
                _ = try parse(#"{"Image":"alpine","HostConfig":\#(hostConfig)}"#)
            }
        }
        #expect(throws: APIError.invalidParameter("json: cannot unmarshal number -1e+30 into field HostConfig.Memory of type int64")) {
            _ = try parse(#"{"Image":"alpine","HostConfig":{"Memory":-1e30}}"#)
        }
        #expect(throws: APIError.invalidParameter("json: cannot unmarshal string into field HostConfig.Memory of type int64")) {
            _ = try parse(#"{"Image":"alpine","HostConfig":{"Memory":"1g"}}"#)
        }
        #expect(try parse(#"{"Image":"alpine","HostConfig":{"Memory":67108864}}"#).memory == 67_108_864)
        #expect(try parse(#"{"Image":"alpine","HostConfig":null}"#).memory == 0)
    }

    @Test func socketGroup() throws {
        #expect(try DaemonOptions.socketGroup("root") == 0)
        #expect(try DaemonOptions.socketGroup("0") == 0)
        #expect(try DaemonOptions.socketGroup("") == nil)
        #expect(throws: BerthError.invalidArgument("failed to load listeners: group no-such-group-here not found")) {
            _ = try DaemonOptions.socketGroup("no-such-group-here")
        }
    }
}
