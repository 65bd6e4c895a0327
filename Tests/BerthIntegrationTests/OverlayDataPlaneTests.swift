import Foundation
import Testing

/// Containers on overlay networks across three berthd hosts on one etcd: addresses unique across
/// the cluster, names resolved and pinged across hosts over VXLAN, and a container's removal
/// seen by the others.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && EtcdServer.isAvailable && BusyboxRootfs.isAvailable,
                             "needs root, the docker CLI, etcd and busybox-static"))
struct OverlayDataPlaneTests {
    func importImages(_ h: DaemonSandbox) throws {
        let tar = try BusyboxRootfs(directory: h.root + "/images").busyboxTar()
        let r = try h.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest")
        #expect(r.code == 0, "\(r.err)")
    }

    func ip(_ h: DaemonSandbox, _ container: String, _ network: String) throws -> String {
        try h.docker("inspect", "-f", "{{.NetworkSettings.Networks.\(network).IPAddress}}", container).out
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func pings(_ h: DaemonSandbox, _ from: String, _ to: String) throws -> Bool {
        try h.docker("exec", from, "ping", "-c", "1", "-W", "2", to).code == 0
    }

    @Test func containersOnDifferentHostsReachEachOtherByNameAndAlias() throws {
        try withCluster(hosts: 3) { rig in
            let (h1, h2, h3) = (rig.hosts[0], rig.hosts[1], rig.hosts[2])
            for h in rig.hosts { try importImages(h) }
            #expect(try h1.docker("network", "create", "-d", "overlay", "--attachable", "ovnet").code == 0)
            for h in [h2, h3] { #expect(try rig.waitFor(3) { try h.docker("network", "inspect", "ovnet").code == 0 } != nil) }
            let r2 = try h2.docker("run", "-d", "--name", "c2", "--network", "ovnet", "alpine", "sleep", "1000")
            #expect(r2.code == 0, "\(r2.err)")
            let r3 = try h3.docker("run", "-d", "--name", "c3", "--network", "ovnet", "--network-alias", "web", "alpine", "sleep", "1000")
            #expect(r3.code == 0, "\(r3.err)")
            let (a2, a3) = (try ip(h2, "c2", "ovnet"), try ip(h3, "c3", "ovnet"))
            #expect(a2.hasPrefix("10.0.0.") && a3.hasPrefix("10.0.0.") && a2 != a3, "\(a2) \(a3)")
            // Each address is claimed in the store by its host, each endpoint published.
            #expect(try rig.etcd.values(prefix: "/berth/ipam/").count == 2)
            #expect(try rig.etcd.values(prefix: "/berth/endpoints/").count == 2)
            let mtu = try h2.docker("exec", "c2", "cat", "/sys/class/net/eth0/mtu").out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(mtu == "1450", "the underlay's 1500 less VXLAN's 50: \(mtu)")

            // By name and alias, both ways, within a moment of the run returning.
            let first = try rig.waitFor(5) { try pings(h2, "c2", "c3") }
            #expect(first != nil, "c2 cannot ping c3 across hosts")
            print("overlay: c3 pingable by name from host 2 \(first.map { String(format: "%.2f", $0) } ?? "-") s after its run")
            #expect(try pings(h2, "c2", "web"))
            #expect(try pings(h3, "c3", "c2"))
            #expect(try pings(h3, "c3", a2))
            let lookup = try h2.docker("exec", "c2", "nslookup", "c3", "127.0.0.11").out
            #expect(lookup.contains(a3), "\(lookup)")

            // TCP by name across hosts.
            #expect(try h3.docker("exec", "-d", "c3", "sh", "-c", "echo overlay-hello | nc -l -p 7000").code == 0)
            let tcp = try rig.waitFor(5) { try h2.docker("exec", "c2", "sh", "-c", "nc c3 7000 </dev/null").out.contains("overlay-hello") }
            #expect(tcp != nil, "no TCP from c2 to c3:7000")

            // The same address is never handed out twice: a third container on host 1.
            #expect(try h1.docker("run", "-d", "--name", "c1", "--network", "ovnet", "alpine", "sleep", "1000").code == 0)
            let a1 = try ip(h1, "c1", "ovnet")
            #expect(![a2, a3].contains(a1), "\(a1) \(a2) \(a3)")
            #expect(try rig.waitFor(5) { try pings(h1, "c1", "c2") && pings(h1, "c1", "web") } != nil)
            // Inspect on any host lists every host's containers, and the hosts as Peers (this one first).
            let names = try h1.docker("network", "inspect", "-f", "{{range .Containers}}{{.Name}}={{.IPv4Address}} {{end}}", "ovnet").out
            for (c, a) in [("c1", a1), ("c2", a2), ("c3", a3)] { #expect(names.contains("\(c)=\(a)/24"), "\(c) \(a): \(names)") }
            let peers = try h1.docker("network", "inspect", "-f", "{{range .Peers}}{{.IP}} {{end}}", "ovnet").out
            #expect(peers.trimmingCharacters(in: .whitespacesAndNewlines) == "10.98.0.11 10.98.0.12 10.98.0.13", "\(peers)")

            // A removed container goes from the others' DNS and kernel.
            #expect(try h3.docker("rm", "-f", "c3").code == 0)
            let gone = try rig.waitFor(5) { try h2.docker("exec", "c2", "nslookup", "c3", "127.0.0.11").code != 0 }
            #expect(gone != nil, "c3 still resolves on host 2 after its removal")
            #expect(try !pings(h2, "c2", a3))
            #expect(try rig.etcd.values(prefix: "/berth/endpoints/").count == 2)
            #expect(try rig.etcd.values(prefix: "/berth/ipam/").count == 2)

            // With its containers gone, the network goes from any host.
            for (h, c) in [(h1, "c1"), (h2, "c2")] { #expect(try h.docker("rm", "-f", c).code == 0) }
            let rm = try h3.docker("network", "rm", "ovnet")
            #expect(rm.code == 0, "\(rm.err)")
            #expect(try rig.etcd.values(prefix: "/berth/ipam/").isEmpty)
        }
    }

    func resolves(_ h: DaemonSandbox, _ from: String, _ name: String) throws -> Bool {
        try h.docker("exec", from, "nslookup", name, "127.0.0.11").code == 0
    }

    @Test func aDeadOrCutOffHostIsForgottenWithinItsLeaseAndComesBackByItself() throws {
        try withCluster(hosts: 3) { rig in
            let (h1, h2, h3) = (rig.hosts[0], rig.hosts[1], rig.hosts[2])
            for h in [h2, h3] { try importImages(h) }
            #expect(try h1.docker("network", "create", "-d", "overlay", "--attachable", "ovnet").code == 0)
            for h in [h2, h3] { #expect(try rig.waitFor(3) { try h.docker("network", "inspect", "ovnet").code == 0 } != nil) }
            #expect(try h2.docker("run", "-d", "--name", "c2", "--network", "ovnet", "alpine", "sleep", "1000").code == 0)
            #expect(try h3.docker("run", "-d", "--name", "c3", "--network", "ovnet", "alpine", "sleep", "1000").code == 0)
            let a3 = try ip(h3, "c3", "ovnet")
            #expect(try rig.waitFor(5) { try pings(h2, "c2", "c3") } != nil)

            // berthd on host 3 is killed; its container lives on, but the cluster forgets it
            // when the host's 10 s lease runs out: names first, then the kernel entries.
            h3.stop(signal: SIGKILL)
            let forgotten = try rig.waitFor(20) { try !resolves(h2, "c2", "c3") }
            #expect(forgotten != nil && forgotten! <= 15, "c3 still resolves on host 2 \(forgotten ?? -1) s after host 3 died")
            print("overlay: a killed host's container forgotten by the others after \(forgotten.map { String(format: "%.1f", $0) } ?? "-") s")
            #expect(try !pings(h2, "c2", a3), "host 2 still sends to a host that left the cluster")
            // Its address stays reserved meanwhile: a new container elsewhere gets another one.
            #expect(try h2.docker("run", "-d", "--name", "c2b", "--network", "ovnet", "alpine", "sleep", "1000").code == 0)
            #expect(try ip(h2, "c2b", "ovnet") != a3)

            // berthd comes back (live restore): the container is re-published, reachable again.
            try h3.start(args: ClusterRig.clusterArgs(3))
            let back = try rig.waitFor(10) { try pings(h2, "c2", "c3") }
            #expect(back != nil, "c3 not reachable again after host 3's berthd returned")
            print("overlay: a returning host's container reachable again after \(back.map { String(format: "%.1f", $0) } ?? "-") s")
            #expect(try ip(h3, "c3", "ovnet") == a3)
            // Its docker_gwbridge endpoint is restored as the daemon's, not recorded as a network it asked for.
            let nets = try h3.docker("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "c3").out
            #expect(nets.trimmingCharacters(in: .whitespacesAndNewlines) == "ovnet", "\(nets)")
            #expect(try h3.docker("exec", "c3", "cat", "/etc/resolv.conf").out.contains("nameserver 127.0.0.11"))
            let other = try rig.waitFor(5) { try pings(h3, "c3", "c2b") }
            let seen = try h3.docker("exec", "c3", "nslookup", "c2b", "127.0.0.11").out
            #expect(other != nil, "c3 cannot reach c2b: \(seen) \(h3.log.suffix(3000))")

            // Host 3 is cut off from the LAN longer than its lease: forgotten; then it heals alone.
            let link = "lh3-\(rig.tag)"
            try Shell.must("/usr/sbin/ip", ["-n", h3.namespace, "link", "set", link, "down"])
            #expect(try rig.waitFor(20) { try !resolves(h2, "c2", "c3") } != nil, "a cut-off host was never forgotten")
            try Shell.must("/usr/sbin/ip", ["-n", h3.namespace, "link", "set", link, "up"])
            let healed = try rig.waitFor(15) { try pings(h2, "c2", "c3") && pings(h3, "c3", "c2") }
            #expect(healed != nil, "the partition did not heal")
            print("overlay: a partition healed \(healed.map { String(format: "%.1f", $0) } ?? "-") s after the link returned")
        }
    }

    @Test func concurrentRunsOnThreeHostsNeverShareAnAddressAndConnectWorksAcrossHosts() throws {
        try withCluster(hosts: 3) { rig in
            for h in rig.hosts { try importImages(h) }
            let h1 = rig.hosts[0]
            #expect(try h1.docker("network", "create", "-d", "overlay", "--attachable", "--subnet", "10.77.0.0/24",
                                  "-o", "com.docker.network.driver.mtu=1400", "ovnet").code == 0)
            for h in rig.hosts { #expect(try rig.waitFor(3) { try h.docker("network", "inspect", "ovnet").code == 0 } != nil) }
            // Four containers per host, all hosts at once.
            let failures = Mutex3()
            let hosts = rig.hosts
            DispatchQueue.concurrentPerform(iterations: 12) { i in
                let h = hosts[i % 3]
                let r = try? h.docker("run", "-d", "--name", "r\(i)", "--network", "ovnet", "alpine", "sleep", "1000")
                failures.add(made: r?.code != 0)
            }
            #expect(failures.made == 0, "some concurrent runs failed")
            var seen: [String: String] = [:]
            for i in 0..<12 {
                let a = try ip(rig.hosts[i % 3], "r\(i)", "ovnet")
                #expect(a.hasPrefix("10.77.0."), "r\(i): \(a)")
                #expect(seen[a] == nil, "r\(i) and \(seen[a] ?? "") both have \(a)")
                seen[a] = "r\(i)"
            }
            #expect(try rig.etcd.values(prefix: "/berth/ipam/").count == 12)
            let mtu = try rig.hosts[1].docker("exec", "r1", "cat", "/sys/class/net/eth0/mtu").out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(mtu == "1400", "the network's MTU option: \(mtu)")
            #expect(try rig.waitFor(5) { try pings(rig.hosts[0], "r0", "r1") && pings(rig.hosts[2], "r2", "r0") } != nil)

            // A container on a local network joins the overlay later and leaves it again.
            let h2 = rig.hosts[1]
            #expect(try h2.docker("run", "-d", "--name", "late", "alpine", "sleep", "1000").code == 0)
            #expect(try h2.docker("network", "connect", "--alias", "latecomer", "ovnet", "late").code == 0)
            #expect(try rig.waitFor(5) { try pings(h1, "r0", "latecomer") } != nil, "a connected container is not reachable from another host")
            #expect(try h2.docker("network", "disconnect", "ovnet", "late").code == 0)
            #expect(try rig.waitFor(5) { try h1.docker("exec", "r0", "nslookup", "latecomer", "127.0.0.11").code != 0 } != nil)

            // Removal is refused while another host has containers on the network, as dockerd does.
            for i in stride(from: 0, to: 12, by: 3) { #expect(try h1.docker("rm", "-f", "r\(i)").code == 0) }
            let busy = try h1.docker("network", "rm", "ovnet")
            #expect(busy.code != 0 && busy.err.contains("has active endpoints"), "\(busy.err)")
            #expect(try h1.docker("network", "inspect", "ovnet").code == 0)
        }
    }

    static let tools = DaemonSandbox.repoRoot + "/Tests/BerthIntegrationTests/Tools"

    func pid(_ h: DaemonSandbox, _ container: String) throws -> String {
        try h.docker("inspect", "-f", "{{.State.Pid}}", container).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// What a peer-echo server at host:port says to a client run under `prefix` ("error: …" when unreachable).
    func ask(_ prefix: [String], _ host: String, _ port: Int) throws -> String {
        let argv = prefix + ["python3", Self.tools + "/peer-ask.py", "tcp", host, "\(port)"]
        return try Shell.run(argv[0], Array(argv.dropFirst()), timeout: 20).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func overlayContainersGoOutAndPublishPortsThroughDockerGwbridge() throws {
        try withCluster(hosts: 2) { rig in
            let (h1, h2) = (rig.hosts[0], rig.hosts[1])
            for h in rig.hosts { try importImages(h) }
            let outside = try h2.makeOutside()
            try h2.startIn(namespace: outside, ["python3", Self.tools + "/peer-echo.py", "7000"])
            #expect(try h1.docker("network", "create", "-d", "overlay", "--attachable", "ovnet").code == 0)
            #expect(try rig.waitFor(3) { try h2.docker("network", "inspect", "ovnet").code == 0 } != nil)
            let r = try h2.docker("run", "-d", "--name", "web", "--network", "ovnet", "-p", "8080:7100", "alpine", "sleep", "1000")
            #expect(r.code == 0, "\(r.err)")
            try h2.startProcess("/usr/bin/nsenter", ["-t", try pid(h2, "web"), "-n", "python3", Self.tools + "/peer-echo.py", "7100"])

            // dockerd's layout: the overlay endpoint is eth0, the way out a second one on docker_gwbridge.
            let ls = try h2.docker("network", "ls", "--format", "{{.Name}} {{.Driver}} {{.Scope}}").out
            #expect(ls.contains("docker_gwbridge bridge local"), "\(ls)")
            let links = try h2.docker("exec", "web", "ls", "/sys/class/net").out
            #expect(links.contains("eth0") && links.contains("eth1"), "\(links)")
            let route = try h2.docker("exec", "web", "ip", "route").out
            let gw = try h2.docker("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Gateway}}{{end}}", "docker_gwbridge").out
                .trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(!gw.isEmpty && route.contains("default via \(gw) dev eth1"), "\(route)")
            // Hidden from the container's own views, as dockerd hides it.
            let nets = try h2.docker("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "web").out
            #expect(nets.trimmingCharacters(in: .whitespacesAndNewlines) == "ovnet", "\(nets)")
            #expect(try h2.docker("ps", "--format", "{{.Networks}}").out.trimmingCharacters(in: .whitespacesAndNewlines) == "ovnet")
            #expect(try h2.docker("port", "web").out.contains("7100/tcp -> 0.0.0.0:8080"))

            // The published port from the outside host (DNAT keeps its address), and egress masqueraded.
            let served = try rig.waitFor(5) { try ask(["/usr/sbin/ip", "netns", "exec", outside], "10.99.0.1", 8080) == "tcp 10.99.0.2" }
            #expect(served != nil, "-p 8080 of an overlay container not reachable from outside")
            let out = try ask(["/usr/bin/nsenter", "-t", try pid(h2, "web"), "-n"], "10.99.0.2", 7000)
            #expect(out == "tcp 10.99.0.1", "egress from an overlay container: \(out)")
            // Containers on the same host do not talk over docker_gwbridge (ICC off there), only over the overlay.
            #expect(try h2.docker("run", "-d", "--name", "peer", "--network", "ovnet", "alpine", "sleep", "1000").code == 0)
            let viaGw = try h2.docker("network", "inspect", "-f", "{{range .Containers}}{{.IPv4Address}} {{end}}", "docker_gwbridge").out
            #expect(viaGw.split(whereSeparator: \.isWhitespace).count == 2, "\(viaGw)")
            let webGw = try h2.docker("exec", "web", "ip", "-4", "-o", "addr", "show", "eth1").out
            let webGwIP = webGw.firstMatch(of: /inet ([0-9.]+)/).map { String($0.1) } ?? ""
            #expect(!webGwIP.isEmpty && viaGw.contains(webGwIP), "\(webGw)")
            #expect(try h2.docker("exec", "peer", "ping", "-c", "1", "-W", "1", webGwIP).code != 0, "ICC is off on docker_gwbridge")
            #expect(try pings(h2, "peer", "web"))

            // The container gone, its gateway endpoint goes with it; the network stays, as in dockerd.
            for c in ["web", "peer"] { #expect(try h2.docker("rm", "-f", c).code == 0) }
            let left = try h2.docker("network", "inspect", "-f", "{{len .Containers}}", "docker_gwbridge").out
            #expect(left.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(left)")
            #expect(try ask(["/usr/sbin/ip", "netns", "exec", outside], "10.99.0.1", 8080).hasPrefix("error:"))
            // Disconnecting the last overlay network takes the gateway endpoint too.
            #expect(try h2.docker("run", "-d", "--name", "late", "--network", "ovnet", "alpine", "sleep", "1000").code == 0)
            #expect(try h2.docker("network", "connect", "bridge", "late").code == 0)
            #expect(try h2.docker("network", "disconnect", "ovnet", "late").code == 0)
            let after = try h2.docker("network", "inspect", "-f", "{{len .Containers}}", "docker_gwbridge").out
            #expect(after.trimmingCharacters(in: .whitespacesAndNewlines) == "0", "\(after)")
        }
    }

    @Test func etcdDownLeavesTrafficAloneAndAWholeHostLostIsForgottenAndCleanedOnReturn() throws {
        try withCluster(hosts: 3) { rig in
            let (h1, h2, h3) = (rig.hosts[0], rig.hosts[1], rig.hosts[2])
            for h in [h2, h3] { try importImages(h) }
            #expect(try h1.docker("network", "create", "-d", "overlay", "--attachable", "ovnet").code == 0)
            for h in [h2, h3] { #expect(try rig.waitFor(3) { try h.docker("network", "inspect", "ovnet").code == 0 } != nil) }
            #expect(try h2.docker("run", "-d", "--name", "c2", "--network", "ovnet", "alpine", "sleep", "1000").code == 0)
            #expect(try h3.docker("run", "-d", "--name", "c3", "--network", "ovnet", "alpine", "sleep", "1000").code == 0)
            #expect(try rig.waitFor(5) { try pings(h2, "c2", "c3") } != nil)

            // etcd down: the planes and entries stay, so traffic and names go on; overlay changes
            // fail with the store's error; local networks work.
            rig.etcd.stop()
            #expect(try pings(h2, "c2", "c3") && pings(h3, "c3", "c2"))
            let refused = try h2.docker("run", "-d", "--name", "c2b", "--network", "ovnet", "alpine", "sleep", "1000")
            #expect(refused.code != 0 && refused.err.contains("etcd://10.98.0.1:2379"), "\(refused.err)")
            #expect(try h2.docker("ps", "-a", "--filter", "name=c2b", "--format", "{{.Names}}").out.trimmingCharacters(in: .whitespacesAndNewlines) == "c2b")
            #expect(try h2.docker("rm", "-f", "c2b").code == 0)
            #expect(try h2.docker("run", "-d", "--name", "local", "alpine", "sleep", "1000").code == 0)
            // etcd back: changes work again and reach the other hosts.
            try rig.etcd.start()
            let resumed = try rig.waitFor(30) { try h2.docker("run", "-d", "--name", "c2c", "--network", "ovnet", "alpine", "sleep", "1000").code == 0 }
            #expect(resumed != nil, "overlay runs still fail after etcd came back: \(h2.log.suffix(2000))")
            let after = try rig.waitFor(20) { try pings(h3, "c3", "c2c") }
            #expect(after != nil, "a container made after etcd's return is not reachable from host 3: \(h3.log.suffix(2500))")
            print("overlay: a container made after etcd's return reachable from host 3 after \(after.map { String(format: "%.1f", $0) } ?? "-") s")
            #expect(try pings(h2, "c2", "c3"))

            // Host 3 dies whole: berthd, conmon and its container, all killed at once.
            let pid3 = try pid(h3, "c3")
            let a3 = try ip(h3, "c3", "ovnet")
            h3.stop(signal: SIGKILL)
            let pids = try Shell.run("/usr/sbin/ip", ["netns", "pids", h3.namespace]).out.split(whereSeparator: \.isWhitespace)
            for p in pids + [Substring(pid3)] { kill(pid_t(p) ?? 0, SIGKILL) }
            let forgotten = try rig.waitFor(20) { try !resolves(h2, "c2", "c3") }
            #expect(forgotten != nil && forgotten! <= 15, "c3 of a dead host still resolves on host 2 after \(forgotten ?? -1) s")
            print("overlay: a dead host's container forgotten after \(forgotten.map { String(format: "%.1f", $0) } ?? "-") s")
            #expect(try rig.etcd.values(prefix: "/berth/endpoints/").values.allSatisfy { !$0.contains(#""Name":"c3""#) })
            // Its address stays reserved while it may come back...
            #expect(try rig.etcd.values(prefix: "/berth/ipam/").keys.contains { $0.hasSuffix("/" + a3) })
            // ...and the machine comes back with its container dead: the claim is released.
            try h3.start(args: ClusterRig.clusterArgs(3))
            let released = try rig.waitFor(10) { try !rig.etcd.values(prefix: "/berth/ipam/").keys.contains { $0.hasSuffix("/" + a3) } }
            #expect(released != nil, "the address of a container that died with its host is still claimed")
            #expect(try h3.docker("ps", "-a", "--filter", "name=c3", "--format", "{{.Status}}").out.hasPrefix("Exited"))
            #expect(try h3.docker("start", "c3").code == 0)
            #expect(try rig.waitFor(10) { try pings(h2, "c2", "c3") } != nil, "c3 started again is not reachable from host 2")
        }
    }
}
