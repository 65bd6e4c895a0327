import BerthAPI
import Foundation
import Testing

/// The notes' `network ls` / `network create` / `network inspect` steps with the real docker CLI.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil, "needs root and the docker CLI"))
struct WalkthroughTests {
    @Test func defaultNetworksAndUserBridge() throws {
        try withSandbox { s in
            let ls = try s.docker("network", "ls")
            #expect(ls.code == 0, "\(ls.err)")
            let rows = ls.out.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
            #expect(rows.first == ["NETWORK", "ID", "NAME", "DRIVER", "SCOPE"])
            #expect(rows.dropFirst().map { Array($0.dropFirst()) } == [["bridge", "bridge", "local"], ["host", "host", "local"], ["none", "null", "local"]])
            #expect(rows.dropFirst().allSatisfy { $0[0].count == 12 })

            let created = try s.docker("network", "create", "--driver", "bridge", "alpine-net")
            #expect(created.code == 0, "\(created.err)")
            let id = created.out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.count == 64 && id.allSatisfy(\.isHexDigit))

            let inspect = try s.docker("network", "inspect", "alpine-net")
            #expect(inspect.code == 0, "\(inspect.err)")
            let doc = try JSONParser.parse(inspect.out)
            let net = try #require(doc.arrayValue?.first)
            #expect(net["Name"] == .string("alpine-net"))
            #expect(net["Id"] == .string(id))
            #expect(net["Scope"] == .string("local"))
            #expect(net["Driver"] == .string("bridge"))
            #expect(net["IPAM"]?["Options"] == .object([]))
            #expect(net["IPAM"]?["Config"] == .array([.obj(["Subnet": .string("172.18.0.0/16"), "Gateway": .string("172.18.0.1")])]))
            #expect(net["Containers"] == .object([]))
            #expect(net["Options"] == .object([]))

            let bridge = try #require(try JSONParser.parse(try s.docker("network", "inspect", "bridge").out).arrayValue?.first)
            #expect(bridge["IPAM"]?["Config"] == .array([.obj(["Subnet": .string("172.17.0.0/16"), "Gateway": .string("172.17.0.1")])]))
            #expect(bridge["IPAM"]?["Options"] == .null)
            #expect(bridge["Options"]?.members?.map(\.key) == [
                "com.docker.network.bridge.default_bridge", "com.docker.network.bridge.enable_icc",
                "com.docker.network.bridge.enable_ip_masquerade", "com.docker.network.bridge.host_binding_ipv4",
                "com.docker.network.bridge.name", "com.docker.network.driver.mtu",
            ])

            // The kernel side: the bridges exist, are up, and carry the gateways.
            let addr = try s.inNamespace("ip", "-o", "-4", "addr", "show", "dev", "br-" + id.prefix(12))
            #expect(addr.out.contains("inet 172.18.0.1/16"), "\(addr.out)\(addr.err)")
            let def = try s.inNamespace("ip", "-o", "-4", "addr", "show", "dev", "berth0")
            #expect(def.out.contains("inet 172.17.0.1/16"))
            #expect(try s.inNamespace("ip", "-o", "link", "show", "berth0").out.contains(",UP"))

            let ls2 = try s.docker("network", "ls", "--format", "{{.Name}} {{.Driver}}")
            #expect(ls2.out == "alpine-net bridge\nbridge bridge\nhost host\nnone null\n")

            let rm = try s.docker("network", "rm", "alpine-net")
            #expect(rm.code == 0 && rm.out == "alpine-net\n")
            #expect(try s.inNamespace("ip", "link", "show", "br-" + id.prefix(12)).code != 0)
        }
    }

    @Test func badInputGetsDockerdsErrorsAndLeavesNothing() throws {
        try withSandbox { s in
            #expect(try s.docker("network", "create", "alpine-net").code == 0)
            let linksBefore = try s.inNamespace("ip", "-o", "link").out.split(separator: "\n").count

            let cases: [([String], String)] = [
                (["network", "create", "alpine-net"], "Error response from daemon: network with name alpine-net already exists"),
                (["network", "create", "--subnet", "172.18.0.0/24", "overlap"], "Error response from daemon: Pool overlaps with other one on this address space"),
                (["network", "create", "--subnet", "172.17.0.0/24", "overlap2"], "Error response from daemon: Pool overlaps with other one on this address space"),
                (["network", "create", "--subnet", "300.1.1.0/24", "bad-net"], "Error response from daemon: Invalid subnet 300.1.1.0/24 : invalid CIDR address: 300.1.1.0/24"),
                (["network", "create", "--subnet", "10.1.0.0", "bad-nomask"], "Error response from daemon: Invalid subnet 10.1.0.0 : invalid CIDR address: 10.1.0.0"),
                (["network", "create", "--subnet", "10.1.0.0/16", "--gateway", "10.2.0.1", "bad-gw"], "no matching subnet for gateway 10.2.0.1"),
                (["network", "create", "-d", "doesnotexist", "e-net"], "Error response from daemon: plugin \"doesnotexist\" not found"),
                (["network", "rm", "bridge"], "Error response from daemon: bridge is a pre-defined network and cannot be removed"),
                (["network", "rm", "host"], "Error response from daemon: host is a pre-defined network and cannot be removed"),
                (["network", "rm", "doesnotexist"],
                 DaemonSandbox.cliNotFound("network", "doesnotexist", daemonMessage: "Error response from daemon: network doesnotexist not found")),
            ]
            for (args, message) in cases {
                let r = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host] + args, env: ["DOCKER_CONFIG": s.root + "/docker-config"])
                #expect(r.code == 1, "\(args)")
                #expect(r.err.contains(message), "\(args): \(r.err)")
            }
            let missing = try s.docker("network", "inspect", "doesnotexist")
            #expect(missing.code == 1 && missing.out.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
            #expect(missing.err.contains(DaemonSandbox.cliNotFound("network", "doesnotexist", daemonMessage: "network doesnotexist not found")))

            // Nothing half-made: same networks, same links, and the refused names are free.
            let names = try s.docker("network", "ls", "--format", "{{.Name}}").out
            #expect(names == "alpine-net\nbridge\nhost\nnone\n")
            #expect(try s.inNamespace("ip", "-o", "link").out.split(separator: "\n").count == linksBefore)
            #expect(try s.docker("network", "create", "--subnet", "10.1.0.0/16", "bad-gw").code == 0)
        }
    }

    @Test func rawAPIStatusesAndVersionNegotiation() throws {
        try withSandbox { s in
            let (ping, pingText) = try s.api("HEAD", "/_ping")
            #expect(ping == 200)
            #expect(pingText.contains("Api-Version: 1.50"))
            #expect(pingText.contains("Ostype: linux"))
            #expect(pingText.contains("Server: Berth/"))
            let (tooNew, body) = try s.api("GET", "/v1.99/networks")
            #expect(tooNew == 400 && body.contains(#"{"message":"client version 1.99 is too new. Maximum supported API version is 1.50"}"#))
            #expect(try s.api("GET", "/v1.12/networks").0 == 400)
            #expect(try s.api("GET", "/v1.41/networks").0 == 200)
            #expect(try s.api("GET", "/networks").0 == 200)
            #expect(try s.api("GET", "/v1.41/nothing-here").0 == 404)
            let (swarm, swarmBody) = try s.api("GET", "/v1.41/swarm")
            #expect(swarm == 503 && swarmBody.contains("This node is not part of a swarm"))

            let (c, cb) = try s.api("POST", "/v1.41/networks/create", body: #"{"name":"raw","ipam":{"config":[{"subnet":"10.7.0.0/24"}]}}"#)
            #expect(c == 201 && cb.contains(#""Warning":"""#), "\(cb)")
            #expect(try s.api("POST", "/v1.41/networks/create", body: #"{"Name":"raw"}"#).0 == 409)
            #expect(try s.api("POST", "/v1.41/networks/create", body: #"{"Name":"o","IPAM":{"Config":[{"Subnet":"10.7.0.128/25"}]}}"#).0 == 403)
            #expect(try s.api("POST", "/v1.41/networks/create", body: #"{"Name":"bad","IPAM":{"Config":[{"Subnet":"300.1.1.0/24"}]}}"#).0 == 400)
            #expect(try s.api("POST", "/v1.41/networks/create", body: "{not json").0 == 400)
            #expect(try s.api("POST", "/v1.41/networks/create", body: #"{"Name":7}"#).0 == 400)
            #expect(try s.api("DELETE", "/v1.41/networks/bridge").0 == 403)
            #expect(try s.api("DELETE", "/v1.41/networks/nope").0 == 404)
            #expect(try s.api("GET", "/v1.41/networks?filters=%7B%22bogus%22%3A%5B%22x%22%5D%7D").0 == 400)
            let (pr, prb) = try s.api("POST", "/v1.41/networks/prune")
            #expect(pr == 200 && prb.contains(#"{"NetworksDeleted":["raw"]}"#))
            #expect(s.daemonExitStatus == -1, "the daemon must survive bad requests")
        }
    }
}

extension Character {
    var isHexDigit: Bool { ("0"..."9").contains(self) || ("a"..."f").contains(self) }
}
