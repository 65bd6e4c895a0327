import Foundation
import Testing

/// macvlan networks with the docker CLI: a container on the "LAN" (an outside namespace on the
/// other end of the parent veth) reaches a LAN host and is reached by its own address; a network
/// without a parent stays internal; refusals are dockerd's.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct MacvlanTests {
    @Test func aContainerOnTheLANReachesItAndIsReachedByItsOwnAddress() throws {
        try withSandbox { s in
            let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
            #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
            let outside = try s.makeOutside()
            let parent = try s.inNamespace("ip", "-o", "link", "show", "type", "veth").out
                .split(separator: "\n").compactMap { $0.split(separator: ":").dropFirst().first?.trimmingCharacters(in: .whitespaces) }
                .first { $0.hasPrefix("bx-") }.map { String($0.split(separator: "@")[0]) }
            let lan = try #require(parent)
            let create = try s.docker("network", "create", "-d", "macvlan", "--subnet", "10.99.0.0/24", "--gateway", "10.99.0.2",
                                      "--ip-range", "10.99.0.128/25", "-o", "parent=\(lan)", "lan")
            #expect(create.code == 0, "\(create.err)")
            let driver = try s.docker("network", "inspect", "-f", "{{.Driver}} {{.Scope}} {{index .Options \"parent\"}}", "lan").out
            #expect(driver == "macvlan local \(lan)\n")
            #expect(try s.docker("run", "-d", "--name", "web", "--network", "lan", "alpine", "sleep", "3600").code == 0)
            let ip = try s.docker("inspect", "-f", "{{.NetworkSettings.Networks.lan.IPAddress}}", "web").out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(ip == "10.99.0.128" || ip == "10.99.0.129", "\(ip)")
            let ping = try s.docker("exec", "web", "ping", "-c", "1", "-W", "2", "10.99.0.2")
            #expect(ping.code == 0, "container to LAN host: \(ping.out) \(ping.err)")
            let back = try Shell.run("/usr/sbin/ip", ["netns", "exec", outside, "/bin/busybox", "ping", "-c", "1", "-W", "2", ip])
            #expect(back.code == 0, "LAN host to container: \(back.out)")
            let route = try s.docker("exec", "web", "ip", "route").out
            #expect(route.contains("default via 10.99.0.2 dev eth0"), "\(route)")
            // The endpoint driver option that names the interface, as current dockerd honours it.
            let side = try s.docker("network", "connect", "--driver-opt", "com.docker.network.endpoint.ifname=side0", "bridge", "web")
            #expect(side.code == 0, "\(side.err)")
            #expect(try s.docker("exec", "web", "ip", "link", "show", "side0").code == 0)
            #expect(try s.docker("rm", "-f", "web").code == 0)
            #expect(try s.docker("network", "rm", "lan").code == 0)
            #expect(try s.inNamespace("ip", "link", "show", lan).code == 0, "the user's parent stays")
        }
    }

    @Test func aNetworkWithoutAParentIsInternalAndRefusalsAreDockerds() throws {
        try withSandbox { s in
            let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
            #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
            #expect(try s.docker("network", "create", "-d", "macvlan", "--subnet", "10.61.0.0/24", "solo").code == 0)
            for name in ["a1", "a2"] { #expect(try s.docker("run", "-d", "--name", name, "--network", "solo", "alpine", "sleep", "3600").code == 0) }
            let ip = try s.docker("inspect", "-f", "{{.NetworkSettings.Networks.solo.IPAddress}}", "a2").out.trimmingCharacters(in: .whitespacesAndNewlines)
            let ping = try s.docker("exec", "a1", "ping", "-c", "1", "-W", "2", ip)
            #expect(ping.code == 0, "children of one parent (bridge mode) talk: \(ping.out) \(ping.err)")
            #expect(try s.docker("exec", "a1", "ping", "-c", "1", "-W", "2", "a2").code == 0, "embedded DNS names")
            #expect(!(try s.docker("exec", "a1", "ip", "route").out.contains("default")))
            let mode = try s.docker("network", "create", "-d", "macvlan", "-o", "macvlan_mode=bridged", "m")
            #expect(mode.err.contains("requested macvlan mode 'bridged' is not valid, 'bridge' mode is the macvlan driver default"), "\(mode.err)")
            let lo = try s.docker("network", "create", "-d", "macvlan", "-o", "parent=lo", "l")
            #expect(lo.err.contains("loopback interface is not a valid macvlan parent link"), "\(lo.err)")
            let vlan = try s.docker("network", "create", "-d", "macvlan", "-o", "parent=eth9.10", "v")
            #expect(vlan.err.contains("-o parent interface was not found on the host: eth9"), "\(vlan.err)")
            #expect(try s.docker("rm", "-f", "a1", "a2").code == 0)
            // A parent lost while berthd was down (a reboot) is made again at its start.
            let id = try s.docker("network", "inspect", "-f", "{{.Id}}", "solo").out.prefix(12)
            s.stop()
            #expect(try s.inNamespace("ip", "link", "del", "dm-\(id)").code == 0)
            try s.start()
            #expect(try s.inNamespace("ip", "link", "show", "dm-\(id)").code == 0, "the internal parent is back")
            #expect(try s.docker("run", "--rm", "--network", "solo", "alpine", "ip", "-o", "addr", "show", "eth0").out.contains("10.61.0."))
            #expect(try s.docker("network", "rm", "solo").code == 0)
            #expect(try s.inNamespace("ip", "-o", "link").out.contains("dm-") == false, "the internal parent went with its network")
        }
    }
}
