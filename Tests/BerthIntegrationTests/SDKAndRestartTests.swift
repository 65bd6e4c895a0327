import BerthAPI
import Foundation
import Testing

@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot, "needs root"))
struct SDKAndRestartTests {
    @Test func pythonSDKDrivesNetworks() throws {
        try withSandbox { s in
            let r = try s.python("""
            ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet='10.60.0.0/24', gateway='10.60.0.254', aux_addresses={'router': '10.60.0.2'})])
            n = client.networks.create('sdk-net', driver='bridge', ipam=ipam, labels={'team': 'a'}, options={'com.docker.network.driver.mtu': '1400'})
            print(n.id)
            print([x.name for x in client.networks.list(names=['sdk-net'])])
            print(sorted(x.name for x in client.networks.list(filters={'label': 'team=a'})))
            got = client.networks.get('sdk-net').attrs
            print(json.dumps(got['IPAM']['Config']))
            try:
                client.networks.create('sdk-net')
            except docker.errors.APIError as e:
                print(e.status_code, e.explanation)
            try:
                client.networks.get('missing')
            except docker.errors.NotFound as e:
                print(404, e.explanation)
            n.remove()
            print(sorted(x.name for x in client.networks.list()))
            try:
                docker.APIClient(base_url='\(s.host)', version='1.99').networks()
            except docker.errors.APIError as e:
                print(e.status_code, e.explanation)
            """)
            #expect(r.code == 0, "\(r.err)")
            let lines = r.out.split(separator: "\n").map(String.init)
            #expect(lines.count == 8, "\(r.out)")
            guard lines.count == 8 else { return }
            #expect(lines[0].count == 64)
            #expect(lines[1] == "['sdk-net']")
            #expect(lines[2] == "['sdk-net']")
            #expect(lines[3] == #"[{"Subnet": "10.60.0.0/24", "Gateway": "10.60.0.254", "AuxiliaryAddresses": {"router": "10.60.0.2"}}]"#)
            #expect(lines[4] == "409 network with name sdk-net already exists")
            #expect(lines[5] == "404 network missing not found")
            #expect(lines[6] == "['bridge', 'host', 'none']")
            #expect(lines[7] == "400 client version 1.99 is too new. Maximum supported API version is 1.50")
        }
    }

    @Test func restartKeepsNetworksAndReconcilesTheKernel() throws {
        try withSandbox { s in
            let id = try s.docker("network", "create", "--subnet", "10.80.0.0/24", "-o", "com.docker.network.driver.mtu=1400", "keep").out
                .trimmingCharacters(in: .whitespacesAndNewlines)
            let before = try s.docker("network", "inspect", "keep").out
            let bridgeID = try s.docker("network", "inspect", "-f", "{{.Id}}", "bridge").out
            let dev = "br-" + id.prefix(12)

            s.stop()
            // While berthd is down: the kernel loses keep's bridge, and a leftover Berth bridge of a
            // network nobody knows appears, next to a foreign bridge that is not ours.
            try Shell.must("/usr/sbin/ip", ["netns", "exec", s.namespace, "ip", "link", "del", dev])
            try Shell.must("/usr/sbin/ip", ["netns", "exec", s.namespace, "ip", "link", "add", "br-leftover", "type", "bridge"])
            try Shell.must("/usr/sbin/ip", ["netns", "exec", s.namespace, "ip", "link", "set", "br-leftover", "alias", "berth-net:" + String(repeating: "e", count: 64)])
            try Shell.must("/usr/sbin/ip", ["netns", "exec", s.namespace, "ip", "link", "add", "foreign0", "type", "bridge"])
            try s.start()

            #expect(try s.docker("network", "inspect", "keep").out == before)
            #expect(try s.docker("network", "inspect", "-f", "{{.Id}}", "bridge").out == bridgeID)
            let link = try s.inNamespace("ip", "-o", "link", "show", dev).out
            #expect(link.contains("mtu 1400") && link.contains(",UP"), "\(link)")
            #expect(try s.inNamespace("ip", "-o", "-4", "addr", "show", "dev", dev).out.contains("10.80.0.1/24"))
            #expect(try s.inNamespace("ip", "link", "show", "br-leftover").code != 0)
            #expect(try s.inNamespace("ip", "link", "show", "foreign0").code == 0)

            // SIGKILL leaves a stale pid file and socket; the next start must cope.
            s.stop(signal: SIGKILL)
            try s.start()
            #expect(try s.docker("network", "ls", "-q").out.split(separator: "\n").count == 4)
        }
    }

    @Test func sigtermWithAnIdleKeepAliveClientExitsPromptly() throws {
        try withSandbox { s in
            // A client that keeps its connection open after one request, as the docker SDK does.
            let client = Process()
            client.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            client.arguments = ["python3", "-c", """
                import socket, sys, time
                s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
                s.send(b"GET /_ping HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n"); s.recv(1000)
                print("connected", flush=True); time.sleep(30)
                """, s.socket]
            let out = Pipe()
            client.standardOutput = out
            try client.run()
            defer { client.terminate() }
            // The idle keep-alive client must really be connected, or the check below proves nothing.
            let greeting = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            try #require(greeting.hasPrefix("connected"), "the keep-alive client did not connect: \(greeting)")
            #expect(s.terminate(within: 5), "berthd must not wait for idle keep-alive clients on SIGTERM")
        }
    }

    @Test func badDaemonFlagsFailWithOneClearLine() throws {
        let r = try Shell.run(DaemonSandbox.binDir + "/berthd", ["--bip", "10.0.0.0/8", "-H", "unix:///tmp/berth-never.sock"])
        #expect(r.code == 1)
        #expect(r.err == "berthd: invalid --bip 10.0.0.0/8: give the bridge's gateway address with its prefix, e.g. 172.17.0.1/16\n")
    }

    @Test func bipAndAddressPoolFlags() throws {
        try withSandbox(extraArgs: ["--bip", "10.33.0.1/24", "--default-address-pool", "base=10.200.0.0/16,size=24"]) { s in
            let bridge = try JSONParser.parse(try s.docker("network", "inspect", "bridge").out)
            #expect(bridge.arrayValue?.first?["IPAM"]?["Config"] == .array([.obj(["Subnet": .string("10.33.0.0/24"), "Gateway": .string("10.33.0.1")])]))
            #expect(try s.docker("network", "create", "p1").code == 0)
            #expect(try s.docker("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", "p1").out == "10.200.0.0/24\n")
        }
    }
}

@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot, "needs root"))
struct BerthCLITests {
    @Test func berthCLIMatchesDockerCLI() throws {
        try withSandbox { s in
            let created = try s.berth("network", "create", "--subnet", "10.90.0.0/24", "--label", "a=b", "cli-net")
            #expect(created.code == 0, "\(created.err)")
            let ls = try s.berth("network", "ls")
            if DaemonSandbox.dockerCLI != nil {
                #expect(ls.out == (try s.docker("network", "ls").out))
                // At the same API version (fields such as EnableIPv4 come with 1.47).
                #expect(try s.berthAsDockerCLI("network", "inspect", "cli-net").out == (try s.docker("network", "inspect", "cli-net").out))
            }
            #expect(try s.berth("network", "ls", "-q", "--filter", "name=cli").out == String(created.out.prefix(12)) + "\n")
            #expect(try s.berth("network", "ls", "--format", "{{.Name}}\t{{.Label \"a\"}}", "-f", "label=a").out == "cli-net\tb\n")
            let dup = try s.berth("network", "create", "cli-net")
            #expect(dup.code == 1 && dup.err == "Error response from daemon: network with name cli-net already exists\n")
            let gw = try s.berth("network", "create", "--subnet", "10.1.0.0/16", "--gateway", "10.2.0.1", "x")
            #expect(gw.code == 1 && gw.err.contains("no matching subnet for gateway 10.2.0.1"))
            let rm = try s.berth("network", "rm", "cli-net", "bridge")
            #expect(rm.code == 1 && rm.out == "cli-net\n" && rm.err.contains("bridge is a pre-defined network and cannot be removed"))
            let down = try Shell.run(DaemonSandbox.binDir + "/berth", ["-H", "unix://" + s.root + "/nothing.sock", "network", "ls"])
            #expect(down.code == 1 && down.err.contains("Is berthd running?"))
        }
    }
}
