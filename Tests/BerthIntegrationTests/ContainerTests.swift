import BerthAPI
import Foundation
import Testing

/// The notes' container walkthrough with the real docker CLI against berthd: containers on the
/// default bridge and on alpine-net, `network connect`, traffic between them, berthd killed and
/// restarted while they run, and nothing left behind after `rm -f`.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct ContainerTests {
    /// Imports the busybox stand-in as busybox:latest and alpine:latest.
    func importImages(_ s: DaemonSandbox) throws {
        let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
        let imported = try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "busybox:latest")
        #expect(imported.code == 0, "\(imported.err)")
        #expect(try s.docker("tag", "busybox:latest", "alpine:latest").code == 0)
    }

    func pid(_ s: DaemonSandbox, _ name: String) throws -> String {
        try s.docker("inspect", "-f", "{{.State.Pid}}", name).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A command in a container's network namespace (docker exec comes later).
    func inContainerNet(_ pid: String, _ args: String...) throws -> Shell.Result {
        try Shell.run("/usr/bin/nsenter", ["-t", pid, "-n"] + args, timeout: 20)
    }

    @Test func userDefinedBridgeWalkthrough() throws {
        try withSandbox { s in
            try importImages(s)
            #expect(try s.docker("network", "create", "--driver", "bridge", "alpine-net").code == 0)
            for (name, net) in [("alpine1", "alpine-net"), ("alpine2", "alpine-net"), ("alpine3", ""), ("alpine4", "alpine-net")] {
                var args = ["run", "-dit", "--name", name]
                if !net.isEmpty { args += ["--network", net] }
                let r = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host] + args + ["alpine", "ash"], env: ["DOCKER_CONFIG": s.root + "/dc"])
                #expect(r.code == 0, "\(name): \(r.err)")
                #expect(r.out.trimmingCharacters(in: .whitespacesAndNewlines).count == 64)
            }
            #expect(try s.docker("network", "connect", "bridge", "alpine4").code == 0)

            // busybox and alpine are one image (one id), as dockerd counts them.
            #expect(try s.docker("info", "--format", "{{.Containers}} {{.ContainersRunning}} {{.ContainersStopped}} {{.Images}}").out == "4 4 0 1\n")
            let ps = try s.docker("container", "ls", "--format", "{{.Names}} {{.Image}} {{.Command}}").out
            #expect(ps == "alpine4 alpine \"ash\"\nalpine3 alpine \"ash\"\nalpine2 alpine \"ash\"\nalpine1 alpine \"ash\"\n")

            let user = try s.docker("network", "inspect", "alpine-net", "-f", #"{{range .Containers}}{{.Name}} {{.IPv4Address}} {{.MacAddress}}{{"\n"}}{{end}}"#).out
            #expect(Set(user.split(separator: "\n")) == [
                "alpine1 172.18.0.2/16 02:42:ac:12:00:02", "alpine2 172.18.0.3/16 02:42:ac:12:00:03", "alpine4 172.18.0.4/16 02:42:ac:12:00:04",
            ])
            let bridge = try s.docker("network", "inspect", "bridge", "-f", #"{{range .Containers}}{{.Name}} {{.IPv4Address}} {{.MacAddress}}{{"\n"}}{{end}}"#).out
            #expect(Set(bridge.split(separator: "\n")) == ["alpine3 172.17.0.2/16 02:42:ac:11:00:02", "alpine4 172.17.0.3/16 02:42:ac:11:00:03"])
            #expect(try s.docker("inspect", "-f", #"{{(index .NetworkSettings.Networks "alpine-net").IPAddress}}"#, "alpine1").out == "172.18.0.2\n")
            #expect(try s.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "alpine3").out == "172.17.0.2\n")

            // Inside: interfaces, routes, and who can reach whom (by IP; names come with DNS).
            let p1 = try pid(s, "alpine1")
            let p4 = try pid(s, "alpine4")
            let addr4 = try inContainerNet(p4, "ip", "-o", "-4", "addr").out
            #expect(addr4.contains("eth0    inet 172.18.0.4/16") && addr4.contains("eth1    inet 172.17.0.3/16"), "\(addr4)")
            // As dockerd 20.10: no IPv6 at all in a container none of whose networks has IPv6.
            #expect(try inContainerNet(p4, "ip", "-o", "-6", "addr").out.isEmpty)
            #expect(try inContainerNet(p4, "ip", "route").out.hasPrefix("default via 172.18.0.1 dev eth0"))
            let ping = try inContainerNet(p1, "/bin/busybox", "ping", "-c", "2", "-w", "4", "172.18.0.3")
            #expect(ping.code == 0 && ping.out.contains("2 packets received"), "\(ping.out)")
            let other = try inContainerNet(p1, "/bin/busybox", "ping", "-c", "1", "-w", "2", "172.17.0.2")
            #expect(other.code != 0 && !other.timedOut && other.out.contains("100% packet loss"))
            #expect(try inContainerNet(p4, "/bin/busybox", "ping", "-c", "1", "-w", "3", "172.17.0.2").code == 0)
            let hosts = try String(contentsOfFile: "/proc/\(p1)/root/etc/hosts", encoding: .utf8)
            let id1 = try s.docker("inspect", "-f", "{{.Id}}", "alpine1").out.prefix(12)
            #expect(hosts.hasSuffix("172.18.0.2\t\(id1)\n"), "\(hosts)")

            // docker exec, as the notes use it (non-interactive).
            let ipAddr = try s.docker("exec", "alpine1", "ip", "addr", "show")
            #expect(ipAddr.code == 0 && ipAddr.out.contains("link/ether 02:42:ac:12:00:02") && ipAddr.out.contains("inet 172.18.0.2/16"), "\(ipAddr.out)\(ipAddr.err)")
            let execPing = try s.docker("exec", "alpine1", "ping", "-c", "2", "172.18.0.3")
            #expect(execPing.code == 0 && execPing.out.contains("2 packets transmitted, 2 packets received, 0% packet loss"))
            let failing = try s.docker("exec", "alpine1", "sh", "-c", "echo out; echo err >&2; exit 4")
            #expect(failing.code == 4 && failing.out == "out\n" && failing.err == "err\n")

            // berthd dies hard; the containers do not. A new berthd adopts them.
            s.stop(signal: SIGKILL)
            #expect(kill(Int32(p1) ?? 0, 0) == 0, "alpine1 must outlive berthd")
            try s.start()
            #expect(try s.docker("ps", "-q").out.split(separator: "\n").count == 4)
            #expect(try inContainerNet(p1, "/bin/busybox", "ping", "-c", "1", "-w", "3", "172.18.0.4").code == 0)
            #expect(try s.docker("network", "rm", "alpine-net").err.contains("has active endpoints"))

            // Disconnect hot-unplugs; rm -f removes everything.
            #expect(try s.docker("network", "disconnect", "bridge", "alpine4").code == 0)
            #expect(!(try inContainerNet(p4, "ip", "-o", "link").out.contains("eth1")))
            let rm = try s.docker("rm", "-f", "alpine1", "alpine2", "alpine3", "alpine4")
            #expect(rm.code == 0, "\(rm.err)")
            let links = try s.inNamespace("ip", "-o", "link").out
            #expect(!links.contains("veth"), "\(links)")
            #expect(try s.docker("network", "rm", "alpine-net").code == 0)
            #expect((try? FileManager.default.contentsOfDirectory(atPath: s.root + "/exec/netns")) ?? [] == [])
        }
    }

    @Test func containerErrorsAsDockerd() throws {
        try withSandbox { s in
            try importImages(s)
            // `docker create` exits 1 on a daemon error (`docker run` exits 125).
            let badName = try s.docker("create", "--name", "-x", "alpine")
            #expect(badName.code != 0 && badName.err.contains("Invalid container name (-x), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"))
            #expect(try s.docker("run", "-d", "--name", "e1", "alpine", "sleep", "100").code == 0)
            let dup = try s.docker("create", "--name", "e1", "alpine")
            #expect(dup.code != 0 && dup.err.contains("Conflict. The container name \"/e1\" is already in use"))
            if DaemonSandbox.legacyDockerCLI {
                // CLIs before 23 send --ip only for user-defined networks, so ask the daemon as newer ones
                // do: create answers 201 and start refuses, leaving the container Created.
                let body = #"{"Image":"alpine","Cmd":["sleep","100"],"HostConfig":{"NetworkMode":"default"},"NetworkingConfig":{"EndpointsConfig":{"default":{"IPAMConfig":{"IPv4Address":"172.17.0.50"}}}}}"#
                #expect(try s.api("POST", "/containers/create?name=e-ip", body: body).0 == 201)
                let (status, message) = try s.api("POST", "/containers/e-ip/start")
                #expect(status == 400 && message.contains("user specified IP address is supported on user defined networks only"), "\(message)")
            } else {
                let ip = try s.docker("run", "-d", "--ip", "172.17.0.50", "alpine", "sleep", "100")
                #expect(ip.code == 125 && ip.err.contains("user specified IP address is supported on user defined networks only"))
            }
            let missing = try s.docker("run", "-d", "--network", "doesnotexist", "alpine", "sleep", "1")
            #expect(missing.code == 125 && missing.err.contains("network doesnotexist not found"))
            let running = try s.docker("rm", "e1")
            #expect(running.code == 1 && running.err.contains("You cannot remove a running container"))
            #expect(try s.docker("network", "connect", "doesnotexist", "e1").err.contains("network doesnotexist not found"))
            #expect(try s.docker("network", "connect", "bridge", "nope").err.contains("No such container: nope"))
            let twice = try s.docker("network", "connect", "bridge", "e1")
            #expect(twice.err.contains("endpoint with name e1 already exists in network bridge"))
            #expect(try s.docker("network", "disconnect", "host", "e1").err.contains("container cannot be disconnected from host network or connected to host network"))
            // The refused containers leave nothing running and no address taken: the next gets .3.
            #expect(try s.docker("run", "-d", "--name", "e2", "alpine", "sleep", "100").code == 0)
            #expect(try s.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "e2").out == "172.17.0.3\n")
            #expect(try s.docker("run", "--rm", "-d", "--network", "none", "alpine", "sleep", "1").code == 0)
            let code = try s.docker("run", "-d", "--name", "e3", "alpine", "sh", "-c", "exit 3")
            #expect(code.code == 0)
            #expect(try s.docker("wait", "e3").out == "3\n")
            #expect(try s.docker("run", "-d", "--name", "talker", "alpine", "sh", "-c", "echo hello; echo oops >&2").code == 0)
            #expect(try s.docker("wait", "talker").out == "0\n")
            let logs = try s.docker("logs", "talker")
            #expect(logs.out == "hello\n" && logs.err == "oops\n")
            #expect(try s.docker("exec", "talker", "true").err.contains("is not running"))
            _ = try s.docker("rm", "-f", "e1", "e2", "e3", "talker")
        }
    }

    @Test func berthCLIContainerCommands() throws {
        try withSandbox { s in
            try importImages(s)
            #expect(try s.berth("network", "create", "cli-net").code == 0)
            let run = try s.berth("run", "-d", "--name", "b1", "--network", "cli-net", "--ip", "10.99.0.9", "alpine", "sleep", "100")
            // --ip needs a user subnet, exactly as dockerd says.
            #expect(run.code == 125 && run.err.contains("user specified IP address is supported only when connecting to networks with user configured subnets"), "\(run.err)")
            _ = try s.berth("rm", "-f", "b1")
            let ok = try s.berth("run", "-d", "--name", "b1", "--network", "cli-net", "alpine", "sleep", "100")
            #expect(ok.code == 0 && ok.out.trimmingCharacters(in: .whitespacesAndNewlines).count == 64, "\(ok.err)")
            #expect(try s.berth("ps", "--format", "{{.Names}} {{.Status}} {{.Networks}}").out.hasPrefix("b1 Up "))
            #expect(try s.berth("ps", "-q").out == (try s.docker("ps", "-q").out))
            let addr = try s.berth("exec", "b1", "ip", "-o", "-4", "addr", "show", "eth0")
            #expect(addr.code == 0 && addr.out.contains("inet 172.18.0.2/16"), "\(addr.out)\(addr.err)")
            let fail = try s.berth("exec", "b1", "sh", "-c", "echo to-err >&2; exit 7")
            #expect(fail.code == 7 && fail.err == "to-err\n")
            #expect(try s.berth("network", "connect", "bridge", "b1").code == 0)
            #expect(try s.berth("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "b1").out == "172.17.0.2\n")
            #expect(try s.berth("network", "disconnect", "bridge", "b1").code == 0)
            let again = try s.berth("network", "disconnect", "bridge", "b1")
            #expect(again.code == 1 && again.err.contains("is not connected to network bridge"))
            #expect(try s.berth("run", "-d", "--name", "b2", "alpine", "sh", "-c", "echo hi; echo ho >&2").code == 0)
            #expect(try s.berth("wait", "b2").out == "0\n")
            let logs = try s.berth("logs", "b2")
            #expect(logs.out == "hi\n" && logs.err == "ho\n")
            #expect(try s.berth("stop", "-t", "1", "b1").out == "b1\n")
            #expect(try s.berth("rm", "b1", "b2").out == "b1\nb2\n")
            let missing = try s.berth("rm", "nope")
            #expect(missing.code == 1 && missing.err.contains("No such container: nope"))
        }
    }

    @Test func containerNetworkModeSharesTheSandbox() throws {
        try withSandbox { s in
            try importImages(s)
            #expect(try s.docker("network", "create", "shared-net").code == 0)
            #expect(try s.docker("run", "-d", "--name", "owner", "--network", "shared-net", "alpine", "sleep", "100").code == 0)
            let joined = try s.docker("run", "-d", "--name", "guest", "--network", "container:owner", "alpine", "sleep", "100")
            #expect(joined.code == 0, "\(joined.err)")
            // The guest sees the owner's interfaces and hostname.
            let addr = try s.docker("exec", "guest", "ip", "-o", "-4", "addr", "show", "eth0")
            #expect(addr.out.contains("inet 172.18.0.2/16"), "\(addr.out)\(addr.err)")
            #expect(try s.docker("exec", "guest", "hostname").out == (try s.docker("exec", "owner", "hostname").out))
            let hostnameClash = try s.docker("run", "-d", "--network", "container:owner", "--hostname", "x", "alpine", "true")
            #expect(hostnameClash.code == 125 && hostnameClash.err.contains("conflicting options: hostname and the network mode"))
            let connect = try s.docker("network", "connect", "bridge", "guest")
            #expect(connect.err.contains("container sharing network namespace with another container or host cannot be connected to any other network"))
            // Removing the guest leaves the owner's sandbox alone.
            #expect(try s.docker("rm", "-f", "guest").code == 0)
            #expect(try s.docker("exec", "owner", "ip", "-o", "-4", "addr", "show", "eth0").out.contains("172.18.0.2/16"))
            #expect(try s.docker("rm", "-f", "owner").code == 0)
        }
    }
}
