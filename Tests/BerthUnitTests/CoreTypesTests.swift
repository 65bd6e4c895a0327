import BerthCore
import Testing

@Suite struct CoreTypesTests {
    @Test(arguments: ["300.1.1.0/24", "10.1.0.0", "10.1.0.0/33", "1.2.3/8", "01.2.3.4/8", "a.b.c.d/8", "10.0.0.0/", " 10.0.0.0/8"])
    func invalidCIDRsAreRefused(_ text: String) {
        #expect(CIDR(text) == nil)
    }

    @Test func cidrMath() throws {
        let c = try #require(CIDR("172.18.5.9/16"))
        #expect(c.network.description == "172.18.0.0/16")
        #expect(c.last.description == "172.18.255.255")
        #expect(c.contains(IPAddress("172.18.200.1")!))
        #expect(!c.contains(IPAddress("172.19.0.1")!))
        #expect(c.overlaps(CIDR("172.16.0.0/12")!))
        #expect(!c.overlaps(CIDR("fd00::/8")!))
    }

    @Test func ipv6TextIsCanonical() throws {
        #expect(IPv6Address("FD00:0:0:0::1")?.description == "fd00::1")
        #expect(CIDR("2001:db8::/32")?.last.description == "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")
        #expect(IPv6Address("fe80::1%eth0") == nil)
    }

    @Test func macDerivedFromIPv4MatchesDockerd() {
        #expect(MACAddress.derived(from: IPv4Address("172.17.0.2")!).description == "02:42:ac:11:00:02")
        #expect(MACAddress.derived(from: IPv4Address("172.18.0.4")!).description == "02:42:ac:12:00:04")
        let r = MACAddress.random()
        #expect(r.bytes[0] & 0x03 == 0x02)
    }

    @Test func ids() {
        let id = Identifier.random()
        #expect(Identifier.isFull(id))
        #expect(Identifier.short(id).count == 12)
        #expect(id != Identifier.random())
    }

    @Test func rfc3339NanoLikeGo() throws {
        #expect(Timestamp(nanoseconds: 1_790_000_051_625_870_560).rfc3339Nano == "2026-09-21T14:14:11.62587056Z")
        #expect(Timestamp(nanoseconds: 0).rfc3339Nano == "1970-01-01T00:00:00Z")
        let t = try #require(Timestamp(parsing: "2026-09-21T14:14:11.62587056Z"))
        #expect(t.nanoseconds == 1_790_000_051_625_870_560)
        #expect(Timestamp(parsing: "2026-09-21T16:14:11+02:00")?.seconds == 1_790_000_051)
        #expect(Timestamp(parsing: "1790000051")?.seconds == 1_790_000_051)
        #expect(Timestamp(parsing: "yesterday") == nil)
    }
}

@Suite struct HumanDurationTests {
    @Test(arguments: [
        (0, "Less than a second"), (1, "1 second"), (59, "59 seconds"), (60, "About a minute"), (61, "About a minute"),
        (120, "2 minutes"), (3600, "About an hour"), (7200, "2 hours"), (47 * 3600, "47 hours"), (48 * 3600, "2 days"),
        (14 * 86400, "2 weeks"), (60 * 86400, "2 months"), (730 * 86400, "2 years"),
    ] as [(Int64, String)])
    func likeGo(_ seconds: Int64, _ text: String) {
        #expect(HumanDuration.describe(seconds: seconds) == text)
    }
}
