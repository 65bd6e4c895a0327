import Foundation
import Testing

/// Isolation, ICC, internal networks, masquerading and published ports, with the real docker CLI,
/// against an "outside" host that is a namespace of the test's own (never a real address).
///
/// Servers and clients are Python (Tools/peer-echo.py, peer-ask.py) run in containers' network
/// namespaces with nsenter: the server answers with the address it sees the client come from,
/// which tells masquerading and DNAT apart.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct FirewallTests {
    static let tools = DaemonSandbox.repoRoot + "/Tests/BerthIntegrationTests/Tools"

    func importImage(_ s: DaemonSandbox) throws {
        let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
        #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "busybox:latest").code == 0)
    }

    func run(_ s: DaemonSandbox, _ args: String...) throws {
        let r = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host, "run", "-d"] + args + ["busybox", "sleep", "1000"],
                              env: ["DOCKER_CONFIG": s.root + "/dc"])
        #expect(r.code == 0, "\(args): \(r.err)")
    }

    func pid(_ s: DaemonSandbox, _ container: String) throws -> String {
        try s.docker("inspect", "-f", "{{.State.Pid}}", container).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func ip(_ s: DaemonSandbox, _ container: String, on network: String) throws -> String {
        try s.docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"\(network)\").IPAddress}}", container).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// peer-echo.py on `port` inside a container's namespace.
    func serve(_ s: DaemonSandbox, in container: String, port: Int) throws {
        try s.startProcess("/usr/bin/nsenter", ["-t", try pid(s, container), "-n", "python3", Self.tools + "/peer-echo.py", "\(port)"])
    }

    /// What a peer-echo server at host:port says to a client in `container`'s namespace ("error: …" when unreachable).
    func ask(_ s: DaemonSandbox, from container: String, _ proto: String, _ host: String, _ port: Int) throws -> String {
        try ask(["/usr/bin/nsenter", "-t", try pid(s, container), "-n"], proto, host, port)
    }

    func ask(_ prefix: [String], _ proto: String, _ host: String, _ port: Int) throws -> String {
        let argv = prefix + ["python3", Self.tools + "/peer-ask.py", proto, host, "\(port)"]
        return try Shell.run(argv[0], Array(argv.dropFirst()), timeout: 20).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Waits until a server started in the background answers (it needs a moment to bind).
    func waitServing(_ probe: () throws -> String) throws -> String {
        var last = ""
        for _ in 0..<30 {
            last = try probe()
            if !last.hasPrefix("error:") { return last }
            usleep(100_000)
        }
        return last
    }

    @Test func isolationICCInternalAndMasquerading() throws {
        try withSandbox { s in
            try importImage(s)
            let outside = try s.makeOutside()
            try s.startIn(namespace: outside, ["python3", Self.tools + "/peer-echo.py", "7000"])
            for args in [["a"], ["b"], ["quiet", "-o", "com.docker.network.bridge.enable_icc=false"], ["inner", "--internal"],
                         ["nomasq", "-o", "com.docker.network.bridge.enable_ip_masquerade=false"]] {
                let r = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host, "network", "create"] + args, env: ["DOCKER_CONFIG": s.root + "/dc"])
                #expect(r.code == 0, "\(args): \(r.err)")
            }
            try run(s, "--name", "a1", "--network", "a")
            try run(s, "--name", "a2", "--network", "a")
            try run(s, "--name", "b1", "--network", "b")
            try run(s, "--name", "ab", "--network", "a")
            #expect(try s.docker("network", "connect", "b", "ab").code == 0)
            try run(s, "--name", "q1", "--network", "quiet")
            try run(s, "--name", "q2", "--network", "quiet")
            try run(s, "--name", "i1", "--network", "inner")
            try run(s, "--name", "i2", "--network", "inner")
            try run(s, "--name", "n1", "--network", "nomasq")
            for c in ["a2", "b1", "q2", "i2"] { try serve(s, in: c, port: 7100) }

            // Within a network (ICC on) and from a container on both networks: reachable.
            #expect(try waitServing { try ask(s, from: "a1", "tcp", try ip(s, "a2", on: "a"), 7100) } == "tcp " + (try ip(s, "a1", on: "a")))
            #expect(try waitServing { try ask(s, from: "ab", "tcp", try ip(s, "b1", on: "b"), 7100) }.hasPrefix("tcp "))
            #expect(try ask(s, from: "ab", "tcp", try ip(s, "a2", on: "a"), 7100).hasPrefix("tcp "))
            // Between networks, by address: dropped.
            #expect(try ask(s, from: "a1", "tcp", try ip(s, "b1", on: "b"), 7100).hasPrefix("error:"))
            #expect(try ask(s, from: "b1", "udp", try ip(s, "a2", on: "a"), 7100).hasPrefix("error:"))
            // ICC off: containers of the network cannot talk to each other, also where bridge
            // netfilter does not hand bridged traffic to IP netfilter (the bridge table does it).
            #expect(try s.inNamespace("sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0").code == 0)
            #expect(try ask(s, from: "q1", "tcp", try ip(s, "q2", on: "quiet"), 7100).hasPrefix("error:"))
            // Internal: among themselves yes, out no, even for a container that routes out anyway.
            #expect(try waitServing { try ask(s, from: "i1", "tcp", try ip(s, "i2", on: "inner"), 7100) }.hasPrefix("tcp "))
            let innerGateway = try s.docker("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", "inner").out
                .trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try Shell.must("/usr/bin/nsenter", ["-t", try pid(s, "i1"), "-n", "ip", "route", "add", "default", "via", innerGateway])
            #expect(try ask(s, from: "i1", "tcp", "10.99.0.2", 7000).hasPrefix("error:"))
            #expect(try ask(s, from: "i1", "tcp", "10.99.0.1", 7000).hasPrefix("error:"))
            // Out to the outside host: masqueraded to the daemon's address there, TCP and UDP.
            #expect(try waitServing { try ask(s, from: "a1", "tcp", "10.99.0.2", 7000) } == "tcp 10.99.0.1")
            #expect(try ask(s, from: "a1", "udp", "10.99.0.2", 7000) == "udp 10.99.0.1")
            // No masquerading: the outside host has no route back, so nothing comes back.
            #expect(try ask(s, from: "n1", "tcp", "10.99.0.2", 7000).hasPrefix("error:"))
            // Nothing from outside reaches a container's unpublished port, even with a route.
            _ = try Shell.run("/usr/sbin/ip", ["-n", outside, "route", "add", "172.16.0.0/12", "via", "10.99.0.1"])
            #expect(try ask(["/usr/sbin/ip", "netns", "exec", outside], "tcp", try ip(s, "a2", on: "a"), 7100).hasPrefix("error:"))
        }
    }

    @Test func publishedPortsFromEverywhereAndDockerPort() throws {
        try withSandbox { s in
            try importImage(s)
            let outside = try s.makeOutside()
            let fromOutside = ["/usr/sbin/ip", "netns", "exec", outside]
            let fromHost = ["/usr/sbin/ip", "netns", "exec", s.namespace]
            try run(s, "--name", "web", "-p", "8080:80", "-p", "5353:5353/udp")
            try serve(s, in: "web", port: 80)
            try serve(s, in: "web", port: 5353)

            // From outside, the client's own address arrives (DNAT only).
            #expect(try waitServing { try ask(fromOutside, "tcp", "10.99.0.1", 8080) } == "tcp 10.99.0.2")
            #expect(try ask(fromOutside, "udp", "10.99.0.1", 5353) == "udp 10.99.0.2")
            // From the host itself, 127.0.0.1 included.
            #expect(try ask(fromHost, "tcp", "127.0.0.1", 8080).hasPrefix("tcp "))
            #expect(try ask(fromHost, "udp", "127.0.0.1", 5353).hasPrefix("udp "))
            #expect(try ask(fromHost, "tcp", "10.99.0.1", 8080).hasPrefix("tcp "))
            // From other containers: the same network, another network, and itself (hairpin).
            #expect(try s.docker("network", "create", "other").code == 0)
            try run(s, "--name", "peer")
            try run(s, "--name", "far", "--network", "other")
            #expect(try ask(s, from: "peer", "tcp", "172.17.0.1", 8080).hasPrefix("tcp "))
            #expect(try ask(s, from: "far", "tcp", "10.99.0.1", 8080).hasPrefix("tcp "))
            #expect(try ask(s, from: "far", "udp", "10.99.0.1", 5353).hasPrefix("udp "))
            #expect(try ask(s, from: "web", "tcp", "172.17.0.1", 8080).hasPrefix("tcp "))

            // A port published on 127.0.0.1 serves the host; the guard chain keeps loopback-addressed
            // packets from arriving on any other interface. (An end-to-end probe from an outside host
            // routing 127.0.0.1 here was tried: it times out with and without the guard rule, since
            // the replies' loopback source is dropped on the way back, so only the rule is checked.)
            try run(s, "--name", "local", "-p", "127.0.0.1:9090:80")
            try serve(s, in: "local", port: 80)
            #expect(try waitServing { try ask(fromHost, "tcp", "127.0.0.1", 9090) }.hasPrefix("tcp "))
            #expect(try ask(fromOutside, "tcp", "10.99.0.1", 9090).hasPrefix("error:"), "bound to 127.0.0.1 only")
            let guardChain = try s.inNamespace("nft", "list", "chain", "inet", "berth", "guard").out
            #expect(guardChain.contains("iifname != \"lo\" ip daddr 127.0.0.0/8 drop"), "\(guardChain)")
            #expect(try s.docker("rm", "-f", "local").code == 0)
            // Berth turned forwarding on in this namespace, so it routes nothing between non-bridge interfaces.
            #expect(try s.inNamespace("nft", "list", "chain", "inet", "berth", "forward").out.contains("iifname != @bridges oifname != @bridges drop"))

            // The published port is held on the host: no host process can take it; and a port a host
            // process holds cannot be published (docker-proxy's message).
            let bind = #"import socket,sys; s=socket.socket(); s.bind(("0.0.0.0", int(sys.argv[1]))); print("bound")"#
            #expect(try s.inNamespace("python3", "-c", bind, "8080").err.contains("Address already in use"))
            try s.startInNamespace(["python3", "-c", "import socket,time; s=socket.socket(); s.bind(('0.0.0.0', 2222)); s.listen(); time.sleep(600)"])
            usleep(300_000)
            let taken = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host, "run", "-d", "--name", "e2", "-p", "2222:80", "busybox", "sleep", "100"],
                                      env: ["DOCKER_CONFIG": s.root + "/dc"])
            #expect(taken.code == 125 && taken.err.contains("listen tcp4 0.0.0.0:2222: bind: address already in use"), "\(taken.err)")

            // docker port, as the notes show it.
            let all = try s.docker("port", "web").out
            // The CLI sorts the lines naturally (80 before 5353); before 23 it printed them in Go's map order.
            let expected = "80/tcp -> 0.0.0.0:8080\n5353/udp -> 0.0.0.0:5353\n"
            if DaemonSandbox.legacyDockerCLI {
                #expect(Set(all.split(separator: "\n")) == Set(expected.split(separator: "\n")), "\(all)")
            } else {
                #expect(all == expected, "\(all)")
            }
            #expect(try s.docker("port", "web", "80").out == "0.0.0.0:8080\n")
            #expect(try s.docker("port", "web", "80/tcp").out == "0.0.0.0:8080\n")
            let udp = try s.docker("port", "web", "80/udp")
            #expect(udp.code == 1 && udp.err == "Error: No public port '80/udp' published for web\n", "\(udp.err)")
            #expect(try s.docker("ps", "--format", "{{.Ports}}", "-f", "name=web").out.contains("0.0.0.0:8080->80/tcp"))
            let (_, body) = try s.api("GET", "/v1.41/containers/web/json")
            #expect(body.contains(#""PortBindings":{"5353/udp":[{"HostIp":"","HostPort":"5353"}],"80/tcp":[{"HostIp":"","HostPort":"8080"}]}"#))
            #expect(body.contains(#""Ports":{"5353/udp":[{"HostIp":"0.0.0.0","HostPort":"5353"}],"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"}]}"#))

            // A second container on the same host port: dockerd's error, left Created, nothing programmed.
            let e3 = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host, "run", "-d", "--name", "e3", "-p", "8080:80", "busybox", "sleep", "100"],
                                   env: ["DOCKER_CONFIG": s.root + "/dc"])
            #expect(e3.code == 125 && e3.err.contains("driver failed programming external connectivity on endpoint e3 (")
                && e3.err.contains("Bind for 0.0.0.0:8080 failed: port is already allocated"), "\(e3.err)")
            #expect(try s.docker("inspect", "-f", "{{.State.Status}}", "e3").out == "created\n")
            let map = try s.inNamespace("nft", "list", "map", "inet", "berth", "ports4").out
            #expect(map.components(separatedBy: " : 172.").count == 3, "only web's two ports: \(map)")

            // -P: every exposed port on an ephemeral host port.
            try run(s, "--name", "all", "-P", "--expose", "90", "--expose", "91/udp")
            // The daemon's namespace's range, which is what berthd reads.
            let range = try s.inNamespace("cat", "/proc/sys/net/ipv4/ip_local_port_range").out
                .split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
            for line in try s.docker("port", "all").out.split(separator: "\n") {
                let port = Int(line.split(separator: ":").last ?? "") ?? 0
                #expect(port >= range[0] && port <= range[1], "\(line)")
            }
            #expect(try s.docker("port", "all").out.split(separator: "\n").map { $0.split(separator: " ").first! } == ["90/tcp", "91/udp"])

            // Stop removes the mapping; start brings it back.
            #expect(try s.docker("stop", "-t", "0", "web").code == 0)
            #expect(try s.docker("port", "web").out == "")
            #expect(try ask(fromOutside, "tcp", "10.99.0.1", 8080).hasPrefix("error:"))
            #expect(try s.docker("start", "web").code == 0)
            try serve(s, in: "web", port: 80)
            try serve(s, in: "web", port: 5353)
            #expect(try waitServing { try ask(fromOutside, "tcp", "10.99.0.1", 8080) } == "tcp 10.99.0.2")

            // A rule of the administrator's survives a daemon restart.
            #expect(try s.inNamespace("nft", "add", "rule", "inet", "berth", "user", "counter", "comment", "\"mine\"").code == 0)
            s.stop()
            try s.start()
            #expect(try s.inNamespace("nft", "list", "chain", "inet", "berth", "user").out.contains("comment \"mine\""))
            #expect(try waitServing { try ask(fromOutside, "tcp", "10.99.0.1", 8080) } == "tcp 10.99.0.2")

            // berthd killed and its table flushed by hand: the next start restores every mapping.
            s.stop(signal: SIGKILL)
            #expect(try s.inNamespace("nft", "delete", "table", "inet", "berth").code == 0)
            #expect(try ask(fromOutside, "tcp", "10.99.0.1", 8080).hasPrefix("error:"))
            try s.start()
            #expect(try waitServing { try ask(fromOutside, "tcp", "10.99.0.1", 8080) } == "tcp 10.99.0.2")
            #expect(try ask(fromOutside, "udp", "10.99.0.1", 5353) == "udp 10.99.0.2")
            #expect(try s.docker("port", "web", "80").out == "0.0.0.0:8080\n")
        }
    }
}

extension FirewallTests {
    /// On an IPv6 network `-p 8081:80` binds both families with one host port, reached over IPv6
    /// from outside (ip6 DNAT), and containers reach the outside over IPv6 (masqueraded).
    @Test func ipv6PublishedPortsAndMasquerading() throws {
        try withSandbox { s in
            try importImage(s)
            let outside = try s.makeOutside()
            let ip = "/usr/sbin/ip"
            _ = try Shell.must(ip, ["-n", s.namespace, "-6", "addr", "add", "fd99::1/64", "dev", "bx-\(s.tag)", "nodad"])
            _ = try Shell.must(ip, ["-n", outside, "-6", "addr", "add", "fd99::2/64", "dev", "bo-\(s.tag)", "nodad"])
            try s.startIn(namespace: outside, ["python3", Self.tools + "/peer-echo.py", "7000"])
            #expect(try s.docker("network", "create", "--ipv6", "six").code == 0)
            try run(s, "--name", "web6", "--network", "six", "-p", "8081:80")
            try serve(s, in: "web6", port: 80)
            // CLIs before 23 join host and port without brackets.
            #expect(try s.docker("port", "web6", "80").out == (DaemonSandbox.legacyDockerCLI ? "0.0.0.0:8081\n:::8081\n" : "0.0.0.0:8081\n[::]:8081\n"))
            let fromOutside = ["/usr/sbin/ip", "netns", "exec", outside]
            #expect(try waitServing { try ask(fromOutside, "tcp", "fd99::1", 8081) } == "tcp fd99::2")
            let v4 = try ask(fromOutside, "tcp", "10.99.0.1", 8081)
            #expect(v4 == "tcp 10.99.0.2", "\(v4)")
            // Out over IPv6: the outside host sees the daemon's address there.
            #expect(try waitServing { try ask(s, from: "web6", "tcp", "fd99::2", 7000) } == "tcp fd99::1")
        }
    }
}

/// `berthd --iptables=false` leaves nftables alone: no table of Berth's, containers still run.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct FirewallOffTests {
    @Test func iptablesFalseProgramsNothing() throws {
        try withSandbox(extraArgs: ["--iptables=false"]) { s in
            let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
            #expect(try s.docker("import", tar, "busybox:latest").code == 0)
            #expect(try s.docker("network", "create", "plain").code == 0)
            let r = try s.docker("run", "-d", "--name", "c1", "--network", "plain", "-p", "8080:80", "busybox", "sleep", "100")
            #expect(r.code == 0, "\(r.err)")
            #expect(try s.inNamespace("nft", "list", "tables").out.contains("inet berth") == false)
            // The mapping is still recorded and shown, as dockerd shows it without iptables.
            #expect(try s.docker("port", "c1", "80").out == "0.0.0.0:8080\n")
        }
    }
}
