import BerthAPI
import Foundation
import Testing

/// The embedded DNS with the real docker CLI: the notes' user-defined walkthrough by name, scoping
/// per network, aliases, short ids, PTR, forwarding to a fake upstream inside the test namespace,
/// updates on connect/disconnect, and a berthd restart while containers run.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct DNSTests {
    static let tools = DaemonSandbox.repoRoot + "/Tests/BerthIntegrationTests/Tools"

    func importImages(_ s: DaemonSandbox) throws {
        let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
        #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
    }

    func run(_ s: DaemonSandbox, _ args: String...) throws {
        let r = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host, "run", "-dit"] + args, env: ["DOCKER_CONFIG": s.root + "/dc"])
        #expect(r.code == 0, "\(args): \(r.err)")
    }

    func exec(_ s: DaemonSandbox, _ args: String...) throws -> Shell.Result {
        try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host, "exec"] + args, env: ["DOCKER_CONFIG": s.root + "/dc"], timeout: 30)
    }

    /// dnsq.py in a container's network namespace (from the host side; busybox has no python).
    func dnsq(_ s: DaemonSandbox, _ container: String, _ args: String...) throws -> String {
        let pid = try s.docker("inspect", "-f", "{{.State.Pid}}", container).out.trimmingCharacters(in: .whitespacesAndNewlines)
        let r = try Shell.run("/usr/bin/nsenter", ["-t", pid, "-n", "python3", Self.tools + "/dnsq.py"] + args, timeout: 30)
        return r.code == 0 ? r.out.trimmingCharacters(in: .whitespacesAndNewlines) : "error: \(r.err)"
    }

    @Test func userDefinedWalkthroughByName() throws {
        try withSandbox { s in
            try importImages(s)
            #expect(try s.docker("network", "create", "--driver", "bridge", "alpine-net").code == 0)
            try run(s, "--name", "alpine1", "--network", "alpine-net", "alpine", "ash")
            try run(s, "--name", "alpine2", "--network", "alpine-net", "alpine", "ash")
            try run(s, "--name", "alpine3", "alpine", "ash")
            try run(s, "--name", "alpine4", "--network", "alpine-net", "alpine", "ash")
            #expect(try s.docker("network", "connect", "bridge", "alpine4").code == 0)

            #expect(try exec(s, "alpine1", "cat", "/etc/resolv.conf").out.hasPrefix("nameserver 127.0.0.11\n"))
            #expect(try exec(s, "alpine1", "cat", "/etc/resolv.conf").out.contains("options ndots:0"))
            #expect(!(try exec(s, "alpine3", "cat", "/etc/resolv.conf").out.contains("127.0.0.11")))

            // From alpine1: the others on alpine-net (and itself) by name, not alpine3.
            for (name, ip) in [("alpine2", "172.18.0.3"), ("alpine4", "172.18.0.4"), ("alpine1", "172.18.0.2")] {
                let ping = try exec(s, "alpine1", "ping", "-c", "2", "-w", "4", name)
                #expect(ping.code == 0 && ping.out.hasPrefix("PING \(name) (\(ip)): 56 data bytes"), "\(name): \(ping.out)\(ping.err)")
                #expect(ping.out.contains("2 packets received"))
            }
            let bad = try exec(s, "alpine1", "ping", "-c", "2", "-w", "2", "alpine3")
            #expect(bad.code != 0 && bad.err.contains("ping: bad address 'alpine3'"), "\(bad.err)")
            let isolated = try exec(s, "alpine1", "ping", "-c", "2", "-w", "2", "172.17.0.2")
            #expect(isolated.out.contains("100% packet loss"), "\(isolated.out)")

            // alpine4 is on both: names on alpine-net, alpine3 by IP only.
            for name in ["alpine1", "alpine2"] {
                #expect(try exec(s, "alpine4", "ping", "-c", "1", "-w", "4", name).code == 0)
            }
            #expect(try exec(s, "alpine4", "ping", "-c", "1", "-w", "2", "alpine3").err.contains("bad address 'alpine3'"))
            #expect(try exec(s, "alpine4", "ping", "-c", "1", "-w", "4", "172.17.0.2").code == 0)

            // On the default bridge there is no name resolution.
            #expect(try exec(s, "alpine3", "ping", "-c", "1", "-w", "2", "alpine2").err.contains("bad address 'alpine2'"))

            // berthd killed and restarted: the containers keep resolving (new listeners, rules replaced).
            s.stop(signal: SIGKILL)
            try s.start()
            let after = try exec(s, "alpine1", "ping", "-c", "1", "-w", "4", "alpine2")
            #expect(after.code == 0 && after.out.contains("(172.18.0.3)"), "\(after.out)\(after.err)\n\(s.log)")
        }
    }

    @Test func namesAliasesPTRAndUpdates() throws {
        try withSandbox { s in
            try importImages(s)
            #expect(try s.docker("network", "create", "front").code == 0)
            #expect(try s.docker("network", "create", "back").code == 0)
            try run(s, "--name", "web1", "--hostname", "www", "--network", "front", "--network-alias", "web", "alpine", "ash")
            try run(s, "--name", "web2", "--network", "front", "--network-alias", "web", "alpine", "ash")
            try run(s, "--name", "db", "--network", "back", "alpine", "ash")
            try run(s, "--name", "client", "--network", "front", "alpine", "ash")
            let web1ID = try s.docker("inspect", "-f", "{{.Id}}", "web1").out.prefix(12)

            #expect(try dnsq(s, "client", "web1") == "rcode=0 answers=172.18.0.2")
            #expect(try dnsq(s, "client", "WWW") == "rcode=0 answers=172.18.0.2")
            #expect(try dnsq(s, "client", String(web1ID)) == "rcode=0 answers=172.18.0.2")
            #expect(try dnsq(s, "client", "web1.front") == "rcode=0 answers=172.18.0.2")
            #expect(try dnsq(s, "client", "nope.front") == "rcode=3 answers=")
            #expect(try dnsq(s, "client", "--type", "AAAA", "web1") == "rcode=0 answers=")
            #expect(try dnsq(s, "client", "--type", "PTR", "2.0.18.172.in-addr.arpa") == "rcode=0 answers=web1.front")
            // A shared alias answers both, rotated from one query to the next.
            let first = try dnsq(s, "client", "web")
            let second = try dnsq(s, "client", "web")
            #expect(Set([first, second]) == ["rcode=0 answers=172.18.0.2,172.18.0.3", "rcode=0 answers=172.18.0.3,172.18.0.2"])
            // TCP through the same 127.0.0.11:53.
            #expect(try dnsq(s, "client", "--tcp", "web2") == "rcode=0 answers=172.18.0.3")
            // db is on another network: unknown here (forwarded; the sandbox has no way out: SERVFAIL).
            #expect(try dnsq(s, "client", "db").hasPrefix("rcode=2"))

            // Connecting client to back makes db visible at once; disconnecting hides it again.
            #expect(try s.docker("network", "connect", "back", "client").code == 0)
            #expect(try dnsq(s, "client", "db") == "rcode=0 answers=172.19.0.2")
            #expect(try dnsq(s, "db", "client") == "rcode=0 answers=172.19.0.3")
            #expect(try s.docker("network", "disconnect", "back", "client").code == 0)
            #expect(try dnsq(s, "client", "db").hasPrefix("rcode=2"))
            // A container on the default bridge gets 127.0.0.11 once it joins a user network.
            try run(s, "--name", "late", "alpine", "ash")
            #expect(!(try exec(s, "late", "cat", "/etc/resolv.conf").out.contains("127.0.0.11")))
            #expect(try s.docker("network", "connect", "front", "late").code == 0)
            #expect(try exec(s, "late", "cat", "/etc/resolv.conf").out.hasPrefix("nameserver 127.0.0.11\n"))
            #expect(try exec(s, "late", "nslookup", "web2").out.contains("172.18.0.3"))
            // Removed containers are gone for everyone at once.
            #expect(try s.docker("rm", "-f", "web2").code == 0)
            #expect(try dnsq(s, "client", "web") == "rcode=0 answers=172.18.0.2")
            #expect(try dnsq(s, "client", "web2") .hasPrefix("rcode=2"))
        }
    }

    @Test func forwardsToUpstreamAndKeepsPort53FreeForTheContainer() throws {
        try withSandbox(extraArgs: ["--dns", "127.0.0.53"]) { s in
            try s.startInNamespace(["python3", Self.tools + "/fake-upstream.py", "127.0.0.53", "53"])
            var ready = false
            for _ in 0..<50 where !ready {
                ready = try s.inNamespace("python3", Self.tools + "/dnsq.py", "outside.example", "127.0.0.53").out.contains("198.51.100.7")
                if !ready { usleep(100_000) }
            }
            #expect(ready, "the fake upstream did not start")
            try importImages(s)
            #expect(try s.docker("network", "create", "alpine-net").code == 0)
            try run(s, "--name", "c1", "--network", "alpine-net", "alpine", "ash")
            #expect(try dnsq(s, "c1", "outside.example") == "rcode=0 answers=198.51.100.7")
            #expect(try dnsq(s, "c1", "--tcp", "outside.example") == "rcode=0 answers=198.51.100.7")
            #expect(try dnsq(s, "c1", "missing.example") == "rcode=3 answers=")
            let lookup = try exec(s, "c1", "nslookup", "outside.example")
            #expect(lookup.out.contains("198.51.100.7"), "\(lookup.out)\(lookup.err)")

            // The container's own service on port 53 binds fine, and the embedded server still answers.
            let own = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host, "exec", "-d", "c1", "nc", "-l", "-p", "53"],
                                    env: ["DOCKER_CONFIG": s.root + "/dc"])
            #expect(own.code == 0, "\(own.err)")
            usleep(300_000)
            let listening = try exec(s, "c1", "netstat", "-ltn").out
            #expect(listening.contains(":53 "), "\(listening)")
            #expect(try dnsq(s, "c1", "--tcp", "outside.example") == "rcode=0 answers=198.51.100.7")

            // --dns on the container replaces the daemon's upstream: a dead one gives SERVFAIL, fast.
            try run(s, "--name", "c2", "--network", "alpine-net", "--dns", "127.0.0.54", "alpine", "ash")
            let start = Date()
            #expect(try dnsq(s, "c2", "outside.example").hasPrefix("rcode=2"))
            #expect(Date().timeIntervalSince(start) < 4.5)
            // On the default bridge the container gets the daemon's --dns directly.
            try run(s, "--name", "c3", "alpine", "ash")
            #expect(try exec(s, "c3", "cat", "/etc/resolv.conf").out.hasPrefix("nameserver 127.0.0.53\n"))

            // Only on an internal network: its peers' names resolve, outside names are not forwarded.
            #expect(try s.docker("network", "create", "--internal", "vault").code == 0)
            try run(s, "--name", "v1", "--network", "vault", "alpine", "ash")
            try run(s, "--name", "v2", "--network", "vault", "alpine", "ash")
            #expect(try dnsq(s, "v1", "v2").hasPrefix("rcode=0 answers=172."))
            #expect(try dnsq(s, "v1", "outside.example").hasPrefix("rcode=2"))
            // Connected to a network with a way out as well, it forwards again.
            #expect(try s.docker("network", "connect", "alpine-net", "v1").code == 0)
            #expect(try dnsq(s, "v1", "outside.example") == "rcode=0 answers=198.51.100.7")
        }
    }
}
