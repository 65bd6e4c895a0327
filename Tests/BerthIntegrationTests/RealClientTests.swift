import Foundation
import Testing

/// What the docker SDK for Python and the docker CLI found missing or wrong: list filters, network
/// names, null echoes, endpoint settings, link-local and IPv6 addresses on connect, the
/// container-wide MAC, `rm --link`, rename, and `docker stats`.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct RealClientTests {
    func importImage(_ s: DaemonSandbox) throws {
        let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
        #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
    }

    func sdk(_ s: DaemonSandbox, _ code: String) throws -> [String] {
        let r = try s.python(code)
        #expect(r.code == 0, "\(r.err)")
        return r.out.split(separator: "\n").map(String.init)
    }

    @Test func sdkFiltersNamesAndNulls() throws {
        try withSandbox { s in
            try importImage(s)
            let out = try sdk(s, """
            for name, labels in [('both', {'a': '1', 'b': '1'}), ('onlya', {'a': '1'}), ('onlyb', {'b': '1'})]:
                client.containers.run('alpine', 'sleep 3600', name=name, labels=labels, detach=True)
            client.containers.create('alpine', 'true', name='made', labels={'a': '1', 'b': '1'})
            print(sorted(c.name for c in client.containers.list(filters={'label': ['a=1', 'b=1']})))
            print(sorted(c.name for c in client.containers.list(all=True, filters={'label': ['a=1', 'b=1']})))
            print(sorted(c.name for c in client.containers.list(filters={'name': ['onlya', 'onlyb']})))
            print(sorted(c.name for c in client.containers.list(filters={'status': ['created', 'exited']})))
            print(len(client.containers.list(all=True, limit=2)))
            try:
                client.containers.list(filters={'status': 'bogus'})
            except docker.errors.APIError as e:
                print(e.status_code, e.explanation)
            n = client.networks.create('test 01')
            print(client.networks.get('test 01').name, client.networks.get(n.id).attrs['IPAM']['Options'])
            print([x.name for x in client.networks.list(names=['test 01'])])
            client.containers.get('both').rename('renamed')
            print(sorted(c.name for c in client.containers.list(filters={'label': ['a=1', 'b=1']})))
            n.remove()
            for bad in ['bridge', '   ']:
                try:
                    client.networks.create(bad)
                except docker.errors.APIError as e:
                    print(e.status_code, e.explanation)
            """)
            #expect(out == [
                "['both']", "['both', 'made']", "['onlya', 'onlyb']", "['made']", "2",
                "400 invalid filter 'status=bogus': invalid value for state (bogus): must be one of created, running, paused, restarting, removing, exited, dead",
                "test 01 None", "['test 01']", "['renamed']",
                "403 operation is not permitted on predefined bridge network ", "400 invalid name: name is empty",
            ])
        }
    }

    @Test func sdkEndpointSettingsEchoAndReachTheKernel() throws {
        try withSandbox { s in
            try importImage(s)
            let out = try sdk(s, """
            ipam = docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet='10.61.0.0/24')])
            client.networks.create('sdknet', ipam=ipam)
            client.networks.create('v6net', enable_ipv6=True, ipam=docker.types.IPAMConfig(pool_configs=[docker.types.IPAMPool(subnet='fd00:61::/64')]))
            client.containers.run('alpine', 'sleep 3600', name='peer', network='sdknet', detach=True)
            ep = api.create_endpoint_config(aliases=['a1', 'a1'], links=[('peer', 'pp')], ipv4_address='10.61.0.50',
                                            link_local_ips=['169.254.7.7'], driver_opt={'k': 'v'})
            c = api.create_container('alpine', 'sleep 3600', name='echo', host_config=api.create_host_config(network_mode='sdknet'),
                                     networking_config=api.create_networking_config({'sdknet': ep}), mac_address='02:42:0a:3d:00:99')
            api.start(c)
            n = client.containers.get('echo').attrs['NetworkSettings']['Networks']['sdknet']
            print(json.dumps({k: n[k] for k in ['IPAMConfig', 'Links', 'Aliases', 'DriverOpts', 'MacAddress', 'IPAddress', 'DNSNames']}, sort_keys=True))
            print(client.containers.get('echo').exec_run('ip -o addr show eth0').output.decode().count('169.254.7.7/16'))
            print(client.containers.get('echo').exec_run('nslookup pp').output.decode().count('10.61.0.'))
            # IPv6 on connect, for a container whose sandbox was made IPv4-only.
            client.networks.get('v6net').connect('echo', ipv6_address='fd00:61::20')
            print(client.containers.get('echo').exec_run('ip -o -6 addr show eth1').output.decode().count('fd00:61::20/64'))
            print(client.containers.get('echo').attrs['NetworkSettings']['Networks']['v6net']['IPAMConfig'])
            cfg = client.containers.get('echo').attrs['Config']
            print(cfg['AttachStdin'], cfg['AttachStdout'], cfg['AttachStderr'])
            """)
            #expect(out.count == 6, "\(out)")
            guard out.count == 6 else { return }
            let id = try s.docker("inspect", "-f", "{{.Id}}", "echo").out.prefix(12)
            #expect(out[0] == #"{"Aliases": ["a1", "a1"], "DNSNames": ["echo", "a1", "\#(id)"], "DriverOpts": {"k": "v"}, "IPAMConfig": {"IPv4Address": "10.61.0.50", "LinkLocalIPs": ["169.254.7.7"]}, "IPAddress": "10.61.0.50", "Links": ["peer:pp"], "MacAddress": "02:42:0a:3d:00:99"}"#)
            #expect(Array(out[1...]) == ["1", "1", "1", "{'IPv6Address': 'fd00:61::20'}", "False True True"])
            #expect(try s.docker("exec", "echo", "cat", "/sys/class/net/eth0/address").out == "02:42:0a:3d:00:99\n")
        }
    }

    @Test func cliRemovesALegacyLinkAndRenames() throws {
        try withSandbox { s in
            try importImage(s)
            #expect(try s.docker("run", "-d", "--name", "db", "alpine", "sleep", "3600").code == 0)
            #expect(try s.docker("run", "-d", "--name", "web", "--link", "db:mydb", "alpine", "sleep", "3600").code == 0)
            #expect(try s.docker("exec", "web", "cat", "/etc/hosts").out.contains("\tmydb "))
            let rm = try s.docker("rm", "--link", "/web/mydb")
            #expect(rm.code == 0 && rm.out == "/web/mydb\n", "\(rm.err)")
            #expect(!(try s.docker("exec", "web", "cat", "/etc/hosts").out.contains("mydb")))
            #expect(try s.docker("inspect", "-f", "{{json .HostConfig.Links}}", "web").out == "null\n")
            #expect(try s.docker("rm", "--link", "/web/mydb").err.contains("No such container: web/mydb"))
            #expect(try s.docker("rm", "--link", "db").err.contains("Conflict, cannot remove the default link name of the container"))

            #expect(try s.docker("network", "create", "ren").code == 0)
            #expect(try s.docker("run", "-d", "--name", "old", "--network", "ren", "alpine", "sleep", "3600").code == 0)
            #expect(try s.docker("run", "-d", "--name", "asker", "--network", "ren", "alpine", "sleep", "3600").code == 0)
            #expect(try s.docker("rename", "old", "new").code == 0)
            #expect(try s.docker("exec", "asker", "nslookup", "new").out.contains("Name:\tnew"))
            #expect(!(try s.docker("exec", "asker", "nslookup", "old").out.contains("Name:\told")))
            #expect(try s.docker("rename", "new", "asker").err.contains("The container name \"/asker\" is already in use"))
            #expect(try s.docker("rename", "new", "bad/name").err.contains("Invalid container name (bad/name)"))
            // A link-local address given at connect is on the interface.
            #expect(try s.docker("network", "connect", "--link-local-ip", "169.254.9.9", "bridge", "asker").code == 0)
            #expect(try s.docker("exec", "asker", "ip", "-o", "-4", "addr", "show", "eth1").out.contains("169.254.9.9/16"))
        }
    }

    @Test func cliStatsTableAndTheAPIsShape() throws {
        try withSandbox { s in
            try importImage(s)
            #expect(try s.docker("run", "-d", "--name", "busy", "alpine", "sh", "-c", "while :; do :; done").code == 0)
            #expect(try s.docker("run", "-d", "--name", "idle", "alpine", "sleep", "3600").code == 0)
            let busyIP = try s.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "busy").out.trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try s.docker("exec", "idle", "ping", "-c", "3", "-W", "1", busyIP)
            let table = try s.docker("stats", "--no-stream")
            #expect(table.code == 0, "\(table.err)")
            let rows = table.out.split(separator: "\n").map(String.init)
            #expect(rows.first?.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                == "CONTAINER ID NAME CPU % MEM USAGE / LIMIT MEM % NET I/O BLOCK I/O PIDS")
            #expect(rows.count == 3)
            let busy = try s.docker("stats", "--no-stream", "--format", "{{.Name}} {{.CPUPerc}} {{.NetIO}} {{.PIDs}}", "busy").out
            let cpu = Double(busy.split(separator: " ")[1].dropLast()) ?? 0
            #expect(busy.hasPrefix("busy ") && cpu > 50, "\(busy)")
            #expect(busy.hasSuffix(" 1\n") && !busy.contains(" 0B / 0B"), "\(busy)")

            let (status, body) = try s.api("GET", "/containers/idle/stats?stream=0")
            #expect(status == 200)
            let json = try JSONSerialization.jsonObject(with: Data(body.components(separatedBy: "\n\n").last!.utf8)) as? [String: Any]
            let eth0 = (json?["networks"] as? [String: Any])?["eth0"] as? [String: Any]
            #expect((eth0?["tx_packets"] as? Int ?? 0) >= 3, "\(body)")
            #expect(json?["name"] as? String == "/idle")
            #expect(((json?["memory_stats"] as? [String: Any])?["usage"] as? Int ?? 0) > 0)
            #expect(((json?["precpu_stats"] as? [String: Any])?["system_cpu_usage"] as? Int ?? 0) > 0)
            #expect(try s.api("GET", "/containers/idle/stats?stream=1&one-shot=1").0 == 400)
            #expect(try s.api("GET", "/containers/nope/stats?stream=0").1.contains("No such container: nope"))
            // A streaming request gets a sample a second.
            let stream = try Shell.run("/usr/bin/env", ["python3", "-c", """
                import socket, sys, time
                s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
                s.sendall(b"GET /containers/idle/stats HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
                data = b""; start = time.time()
                while data.count(b'"read"') < 2 and time.time() - start < 4: data += s.recv(65536)
                print(data.count(b'"read"'))
                """, s.socket])
            #expect(stream.out == "2\n", "\(stream.err)")
            #expect(try s.docker("stop", "-t", "0", "busy").code == 0)
            let stopped = try s.api("GET", "/containers/busy/stats?stream=0").1
            #expect(stopped.contains(#""read":"0001-01-01T00:00:00Z""#) && stopped.contains(#""name":"/busy""#))
        }
    }
}
