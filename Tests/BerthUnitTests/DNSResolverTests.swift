import BerthCore
import Testing

@testable import BerthDNS

@Suite("DNS resolver")
struct DNSResolverTests {
    static let idA = "a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
    static let idB = "b1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"
    static let idC = "c1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90"

    /// web (net A, dual-stack), db (net B only), api1/api2 sharing alias "api" on net A.
    static func fixture() -> ServiceRecords {
        let records = ServiceRecords()
        records.add(DNSEndpointRecord(containerID: idA, networkID: "netA-id", networkName: "frontend",
                                      names: ["web", "webhost"], ipv4: IPv4Address(172, 18, 0, 2),
                                      ipv6: IPv6Address("fd00:a::2")))
        records.add(DNSEndpointRecord(containerID: idB, networkID: "netB-id", networkName: "backend",
                                      names: ["db"], ipv4: IPv4Address(172, 19, 0, 2)))
        records.add(DNSEndpointRecord(containerID: idC, networkID: "netA-id", networkName: "frontend",
                                      names: ["api1"], aliases: ["api"], ipv4: IPv4Address(172, 18, 0, 3)))
        records.add(DNSEndpointRecord(containerID: "d" + idC.dropFirst(), networkID: "netA-id", networkName: "frontend",
                                      names: ["api2"], aliases: ["api"], ipv4: IPv4Address(172, 18, 0, 4)))
        return records
    }

    static let onA = DNSClientScope(networkIDs: ["netA-id"])
    static let onB = DNSClientScope(networkIDs: ["netB-id"])

    func answer(_ resolver: DNSResolver, _ name: String, _ type: DNSType, _ scope: DNSClientScope) throws -> DNSMessage {
        let query = DNSMessage.query(id: 99, name: name, type: type)
        guard case let .answer(reply) = resolver.resolve(query, for: scope) else {
            Issue.record("expected a local answer for \(name)")
            throw DNSCodecError.badOPT
        }
        #expect(reply.id == 99 && reply.isResponse && reply.recursionAvailable && !reply.authoritative)
        return reply
    }

    @Test func answersContainerNameHostnameAndShortID() throws {
        let resolver = DNSResolver(records: Self.fixture())
        for name in ["web", "webhost", String(Self.idA.prefix(12))] {
            let reply = try answer(resolver, name, .A, Self.onA)
            #expect(reply.answers == [DNSResourceRecord(name: name, type: .A, ttl: 600, data: .a(IPv4Address(172, 18, 0, 2)))])
        }
        let v6 = try answer(resolver, "web", .AAAA, Self.onA)
        #expect(v6.answers.map(\.data) == [.aaaa(try #require(IPv6Address("fd00:a::2")))])
    }

    @Test func linkAliasesAreSeenOnlyByTheLinkingClient() throws {
        let resolver = DNSResolver(records: Self.fixture())
        let linking = DNSClientScope(networkIDs: ["netA-id"], links: ["mydb": "web"])
        let reply = try answer(resolver, "MyDB", .A, linking)
        #expect(reply.answers == [DNSResourceRecord(name: "MyDB", type: .A, ttl: 600, data: .a(IPv4Address(172, 18, 0, 2)))])
        // Another client on the same network does not know the alias.
        #expect(resolver.resolve(.query(id: 1, name: "mydb", type: .A), for: Self.onA) == .forward)
        // A link to a container on a network the client does not share resolves to nothing local.
        let away = DNSClientScope(networkIDs: ["netA-id"], links: ["store": "db"])
        #expect(resolver.resolve(.query(id: 2, name: "store", type: .A), for: away) == .forward)
    }

    @Test func namesAreCaseInsensitiveAndKeepTheAskedSpelling() throws {
        let resolver = DNSResolver(records: Self.fixture())
        let reply = try answer(resolver, "WeB.", .A, Self.onA)
        #expect(reply.answers.count == 1)
        #expect(reply.answers.first?.name == "WeB.")
    }

    @Test func scopingHidesOtherNetworks() {
        let resolver = DNSResolver(records: Self.fixture())
        #expect(resolver.resolve(.query(id: 1, name: "db", type: .A), for: Self.onA) == .forward)
        #expect(resolver.resolve(.query(id: 1, name: "web", type: .A), for: Self.onB) == .forward)
        #expect(resolver.resolve(.query(id: 1, name: "172.19.0.2", type: .A), for: Self.onA) == .forward)
        // db.backend from a client not on backend: the network is not visible, so forward.
        #expect(resolver.resolve(.query(id: 1, name: "db.backend", type: .A), for: Self.onA) == .forward)
    }

    @Test func aliasesReturnAllAnswersRotated() throws {
        let resolver = DNSResolver(records: Self.fixture())
        let first = try answer(resolver, "api", .A, Self.onA).answers.map(\.data)
        let second = try answer(resolver, "api", .A, Self.onA).answers.map(\.data)
        let third = try answer(resolver, "api", .A, Self.onA).answers.map(\.data)
        #expect(Set(first) == [.a(IPv4Address(172, 18, 0, 3)), .a(IPv4Address(172, 18, 0, 4))])
        #expect(first.count == 2 && second == Array(first.reversed()) && third == first)
    }

    @Test func networkQualifiedNamesAndNXDOMAIN() throws {
        let resolver = DNSResolver(records: Self.fixture())
        let reply = try answer(resolver, "web.Frontend", .A, Self.onA)
        #expect(reply.answers.map(\.data) == [.a(IPv4Address(172, 18, 0, 2))])
        #expect(try answer(resolver, "nothing.frontend", .A, Self.onA).responseCode == .nameError)
        #expect(try answer(resolver, "db.backend", .A, Self.onB).answers.count == 1)
    }

    @Test func aaaaForIPv4OnlyIsNoErrorEmpty() throws {
        let resolver = DNSResolver(records: Self.fixture())
        let reply = try answer(resolver, "db", .AAAA, Self.onB)
        #expect(reply.responseCode == .noError)
        #expect(reply.answers.isEmpty)
    }

    @Test func ptrForV4AndV6() throws {
        let resolver = DNSResolver(records: Self.fixture())
        let v4 = try answer(resolver, "2.0.18.172.in-addr.arpa", .PTR, Self.onA)
        #expect(v4.answers.map(\.data) == [.ptr("web.frontend")])
        let v6Name = DNSResolver.reverseName(of: .v6(try #require(IPv6Address("fd00:a::2"))))
        #expect(v6Name.hasPrefix("2.0.0.0.") && v6Name.hasSuffix(".a.0.0.0.0.0.d.f.ip6.arpa"))
        let v6 = try answer(resolver, v6Name, .PTR, Self.onA)
        #expect(v6.answers.map(\.data) == [.ptr("web.frontend")])
        // PTR for an address on a network the client is not on, or unknown: forward.
        #expect(resolver.resolve(.query(id: 1, name: "2.0.19.172.in-addr.arpa", type: .PTR), for: Self.onA) == .forward)
        #expect(resolver.resolve(.query(id: 1, name: "1.1.1.1.in-addr.arpa", type: .PTR), for: Self.onA) == .forward)
        #expect(DNSResolver.address(reverseName: "1.2.3.in-addr.arpa") == nil)
        #expect(DNSResolver.address(reverseName: "256.2.3.4.in-addr.arpa") == nil)
    }

    @Test func unknownNamesAreForwarded() {
        let resolver = DNSResolver(records: Self.fixture())
        #expect(resolver.resolve(.query(id: 1, name: "example.com", type: .A), for: Self.onA) == .forward)
        #expect(resolver.resolve(.query(id: 1, name: "web", type: DNSType(rawValue: 2)), for: Self.onA) != .forward)
    }

    @Test func malformedQueriesGetErrorCodes() throws {
        let resolver = DNSResolver(records: Self.fixture())
        var noQuestion = DNSMessage.query(id: 5, name: "web", type: .A)
        noQuestion.questions = []
        guard case let .answer(reply) = resolver.resolve(noQuestion, for: Self.onA) else {
            Issue.record("expected FORMERR")
            return
        }
        #expect(reply.responseCode == .formatError)
    }

    @Test func removalsAndUpdates() throws {
        let records = Self.fixture()
        let resolver = DNSResolver(records: records)
        records.remove(containerID: "d" + Self.idC.dropFirst())
        #expect(try answer(resolver, "api", .A, Self.onA).answers.map(\.data) == [.a(IPv4Address(172, 18, 0, 3))])
        records.remove(containerID: Self.idB, networkID: "netB-id")
        #expect(resolver.resolve(.query(id: 1, name: "db", type: .A), for: Self.onB) == .forward)
        // The network name is gone with its last endpoint, so "x.backend" is no longer a known domain.
        #expect(resolver.resolve(.query(id: 1, name: "x.backend", type: .A), for: Self.onB) == .forward)
        // Re-adding replaces in place.
        records.add(DNSEndpointRecord(containerID: Self.idA, networkID: "netA-id", networkName: "frontend",
                                      names: ["web"], ipv4: IPv4Address(172, 18, 0, 9)))
        #expect(try answer(resolver, "web", .A, Self.onA).answers.map(\.data) == [.a(IPv4Address(172, 18, 0, 9))])
        #expect(resolver.resolve(.query(id: 1, name: "webhost", type: .A), for: Self.onA) == .forward)
        #expect(records.count == 2)
    }

    @Test func resolverThroughput() throws {
        let records = ServiceRecords()
        for i in 0..<1000 {
            records.add(DNSEndpointRecord(containerID: "c" + String(repeating: "0", count: 58) + String(100_000 + i), networkID: "n\(i % 10)",
                                          networkName: "net\(i % 10)", names: ["c\(i)"],
                                          ipv4: IPv4Address(10, 0, UInt8(i / 256), UInt8(i % 256))))
        }
        let resolver = DNSResolver(records: records)
        let scope = DNSClientScope(networkIDs: ["n3", "n7"])
        let query = try DNSMessage.query(id: 1, name: "c503", type: .A).encoded()
        let iterations = 100_000
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<iterations {
                let decoded = try DNSMessage(decoding: query)
                guard case let .answer(reply) = resolver.resolve(decoded, for: scope) else { return }
                _ = try reply.encoded()
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("DNS resolver decode+resolve+encode: \(Int(Double(iterations) / seconds)) queries/s")
    }
}
