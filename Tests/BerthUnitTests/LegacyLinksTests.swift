import BerthCore
import BerthStore
import Testing

@testable import BerthContainers

/// Legacy links' pure parts against dockerd 20.10's outputs (shared/reference walkthrough, part 4).
@Suite struct LegacyLinksTests {
    @Test func parsesTheCLIAndStoredForms() throws {
        #expect(try LegacyLinks.parse("db:mydb") == .init(name: "db", alias: "mydb"))
        #expect(try LegacyLinks.parse("db") == .init(name: "db", alias: "db"))
        #expect(try LegacyLinks.parse("/db:/web3/mydb") == .init(name: "db", alias: "mydb"))
        for bad in ["", ":x", "a:b:c", "db:"] {
            #expect(throws: BerthError.invalidArgument("bad format for links: \(bad)")) { try LegacyLinks.parse(bad) }
        }
    }

    @Test func environmentMatchesDockerd() {
        // docker run -d --name db -e DB_PASSWORD=secret --expose 5432 busybox; docker run --name web2 --link db:mydb busybox env
        let env = LegacyLinks.environment(
            alias: "mydb", linkName: "/web2/mydb", ip: "172.17.0.2", ports: ["5432/tcp"],
            targetEnv: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "DB_PASSWORD=secret"])
        #expect(env == [
            "MYDB_PORT=tcp://172.17.0.2:5432",
            "MYDB_PORT_5432_TCP=tcp://172.17.0.2:5432",
            "MYDB_PORT_5432_TCP_ADDR=172.17.0.2",
            "MYDB_PORT_5432_TCP_PORT=5432",
            "MYDB_PORT_5432_TCP_PROTO=tcp",
            "MYDB_NAME=/web2/mydb",
            "MYDB_ENV_DB_PASSWORD=secret",
        ])
    }

    @Test func portRunsGetStartAndEndVariablesAndTCPComesFirst() {
        let run = LegacyLinks.environment(alias: "my-web", linkName: "/c/my-web", ip: "10.0.0.2",
                                          ports: ["81/tcp", "80/tcp"], targetEnv: ["HOME=/root"])
        #expect(run.first == "MY_WEB_PORT=tcp://10.0.0.2:80")
        #expect(Array(run[1...6]) == [
            "MY_WEB_PORT_80_TCP_START=tcp://10.0.0.2:80", "MY_WEB_PORT_80_TCP_ADDR=10.0.0.2", "MY_WEB_PORT_80_TCP_PROTO=tcp",
            "MY_WEB_PORT_80_TCP_PORT_START=80", "MY_WEB_PORT_80_TCP_END=tcp://10.0.0.2:81", "MY_WEB_PORT_80_TCP_PORT_END=81",
        ])
        #expect(!run.contains { $0.contains("_ENV_HOME") })
        #expect(run.last == "MY_WEB_NAME=/c/my-web")
        // 80/udp sorts between 80/tcp and 81/tcp: no run (dockerd looks at neighbours in sorted order),
        // and TCP is the default port when both protocols share a number.
        let mixed = LegacyLinks.environment(alias: "w", linkName: "/c/w", ip: "10.0.0.2",
                                            ports: ["81/tcp", "80/udp", "80/tcp"], targetEnv: [])
        #expect(mixed.first == "W_PORT=tcp://10.0.0.2:80")
        #expect(!mixed.contains { $0.contains("_START") })
        #expect(mixed.contains("W_PORT_80_UDP=udp://10.0.0.2:80"))
    }

    @Test func exposedPortForms() {
        #expect(LegacyLinks.normalizePorts("5432") == ["5432/tcp"])
        #expect(LegacyLinks.normalizePorts("53/UDP") == ["53/udp"])
        #expect(LegacyLinks.normalizePorts("8000-8002/tcp") == ["8000/tcp", "8001/tcp", "8002/tcp"])
        for bad in ["", "0", "70000", "80/icmp", "90-80", "x", "1/2/3"] { #expect(LegacyLinks.normalizePorts(bad) == nil, "\(bad)") }
    }
}
