import BerthContainers
import BerthCore
import BerthStore
import Testing

/// `GET /containers/json` filters as dockerd applies them: `label` values AND-ed, the values of
/// every other key OR-ed, keys AND-ed, and dockerd's messages for bad values.
@Suite struct ContainerFilterTests {
    static func record(_ name: String, created: Int64, labels: [String: String] = [:], status: ContainerRecord.Status = .running, exit: Int32 = 0) -> ContainerRecord {
        var c = ContainerRecord(
            id: String(repeating: String(name.first!), count: 8) + String(repeating: "0", count: 56), name: name,
            created: created, imageReference: "alpine", imageID: "sha256:img-" + name, hostname: "h", labels: labels)
        c.status = status
        c.exitCode = exit
        c.startedAt = status == .created ? 0 : created
        return c
    }

    static let web = record("kproj_web_1", created: 1, labels: ["com.docker.compose.project": "kproj", "com.docker.compose.service": "web"])
    static let api = record("kproj_api_1", created: 2, labels: ["com.docker.compose.project": "kproj", "com.docker.compose.service": "api"])
    static let other = record("other_api_1", created: 3, labels: ["com.docker.compose.project": "other", "com.docker.compose.service": "api"], status: .exited, exit: 3)
    static let all = [other, api, web]

    static func names(_ values: [String: [String]], facts: [String: ContainerFilter.Facts] = [:]) async throws -> [String] {
        let f = try await ContainerFilter(values, containers: all) { ref in ref == "alpine" ? ["sha256:img-kproj_api_1"] : nil }
        return all.filter { f.matches($0, facts: facts[$0.name] ?? .init()) }.map(\.name)
    }

    @Test("label values are all required (compose's project and service); other keys' values are alternatives")
    func labelsAndOtherKeys() async throws {
        #expect(try await Self.names(["label": ["com.docker.compose.project=kproj", "com.docker.compose.service=api"]]) == ["kproj_api_1"])
        #expect(try await Self.names(["label": ["com.docker.compose.project=kproj"]]) == ["kproj_api_1", "kproj_web_1"])
        #expect(try await Self.names(["label": ["com.docker.compose.service"]]) == ["other_api_1", "kproj_api_1", "kproj_web_1"])
        #expect(try await Self.names(["label": ["com.docker.compose.service="]]) == [])
        // name: unanchored regular expressions against the name with and without its slash, OR-ed.
        #expect(try await Self.names(["name": ["web", "^/other"]]) == ["other_api_1", "kproj_web_1"])
        #expect(try await Self.names(["name": ["^kproj_api_1$"]]) == ["kproj_api_1"])
        #expect(try await Self.names(["name": ["[bad"]]) == [])
        // id: a prefix; status: OR-ed.
        #expect(try await Self.names(["id": ["kkkk", "oo"]]) == ["other_api_1", "kproj_api_1", "kproj_web_1"])
        #expect(try await Self.names(["status": ["exited", "created"]]) == ["other_api_1"])
        // keys AND-ed.
        #expect(try await Self.names(["label": ["com.docker.compose.service=api"], "status": ["running"]]) == ["kproj_api_1"])
        #expect(try await Self.names(["exited": ["3"]]) == ["other_api_1"])
        #expect(try await Self.names(["exited": ["0"]]) == [])
        #expect(try await Self.names(["ancestor": ["alpine", "nosuch"]]) == ["kproj_api_1"])
        #expect(try await Self.names(["ancestor": ["nosuch"]]) == [])
        #expect(try await Self.names(["before": ["kproj_api_1"]]) == ["kproj_web_1"])
        #expect(try await Self.names(["since": ["/kproj_web_1"], "before": ["other_api_1"]]) == ["kproj_api_1"])
        #expect(try await Self.names(["is-task": ["false"]]).count == 3)
        #expect(try await Self.names(["is-task": ["true"]]) == [])
        #expect(try await Self.names(["health": ["none"]]).count == 3)
    }

    @Test("network by exact name or id prefix; publish and expose as alternatives, ranges expanded")
    func networksAndPorts() async throws {
        let facts: [String: ContainerFilter.Facts] = [
            "kproj_web_1": .init(networks: [("kproj_front", "f0f0f0")], published: ["8080/tcp"], exposed: ["80/tcp"]),
            "kproj_api_1": .init(networks: [("kproj_front", "f0f0f0"), ("kproj_back", "b0b0b0")], exposed: ["9000/udp"]),
        ]
        #expect(try await Self.names(["network": ["kproj_back"]], facts: facts) == ["kproj_api_1"])
        #expect(try await Self.names(["network": ["f0f", "kproj_back"]], facts: facts) == ["kproj_api_1", "kproj_web_1"])
        #expect(try await Self.names(["network": ["kproj_fr"]], facts: facts) == [])
        #expect(try await Self.names(["publish": ["8000-8080"]], facts: facts) == ["kproj_web_1"])
        #expect(try await Self.names(["expose": ["9000/udp"]], facts: facts) == ["kproj_api_1"])
        #expect(try await Self.names(["publish": ["8080"], "expose": ["9000/udp"]], facts: facts) == ["kproj_api_1", "kproj_web_1"])
        #expect(try await Self.names(["expose": ["9000"]], facts: facts) == [])
    }

    @Test("bad keys and values get dockerd's messages")
    func errors() async throws {
        let cases: [([String: [String]], BerthError)] = [
            (["bogus": ["1"]], .invalidArgument("invalid filter 'bogus'")),
            (["status": ["run"]], .invalidArgument("invalid filter 'status=run': invalid value for state (run): must be one of created, running, paused, restarting, removing, exited, dead")),
            (["health": ["ok"]], .invalidArgument("invalid filter 'health=ok': invalid value for health (ok): must be one of none, starting, healthy, unhealthy")),
            (["exited": ["abc"]], .invalidArgument("invalid filter 'exited=abc': strconv.Atoi: parsing \"abc\": invalid syntax")),
            (["is-task": ["maybe"]], .invalidArgument("invalid filter 'is-task=[maybe]'")),
            (["before": ["missing"]], .notFound("No such container: missing")),
            (["publish": ["0.0.0.0:80"]], .invalidArgument("filter for 'publish' should not contain ':': 0.0.0.0:80")),
            (["expose": ["abc"]], .invalidArgument("error while looking up for expose abc: strconv.ParseUint: parsing \"abc\": invalid syntax")),
            (["publish": ["80-70"]], .invalidArgument("error while looking up for publish 80-70: Invalid range specified for the Port: 80-70")),
            (["publish": ["99999"]], .invalidArgument("error while looking up for publish 99999: strconv.ParseUint: parsing \"99999\": value out of range")),
        ]
        for (values, expected) in cases {
            await #expect(throws: expected, "\(values)") { _ = try await Self.names(values) }
        }
        let f = try await ContainerFilter(["status": ["exited"]], containers: []) { _ in nil }
        #expect(f.listsAll)
        #expect(!(try await ContainerFilter(["exited": ["1"]], containers: []) { _ in nil }).listsAll)
    }
}
