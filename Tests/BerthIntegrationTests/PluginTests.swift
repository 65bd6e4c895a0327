import Foundation
import Testing

/// Remote network drivers over Docker's legacy plugin protocol, driven by the docker CLI against
/// berthd, with the test plugin (`Tools/test-plugin.py`) serving a unix socket in a plugin
/// directory of the test's own (`--plugin-dir`).
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable,
                             "needs root, the docker CLI and busybox-static"))
struct PluginTests {
    static let tool = DaemonSandbox.repoRoot + "/Tests/BerthIntegrationTests/Tools/test-plugin.py"

    /// A sandbox whose berthd finds plugins in `<root>/plugins`, with the test plugin `tplug`
    /// serving there and a bridge `tpbr0` for it in the daemon's namespace.
    struct Rig {
        let s: DaemonSandbox
        var log: String { s.root + "/plugin.log" }
        var control: String { s.root + "/plugin-control.json" }
        var socket: String { s.root + "/plugins/tplug.sock" }

        /// The methods the plugin was called with, in order.
        func methods() -> [String] { requests().compactMap { $0["method"] as? String } }
        func requests() -> [[String: Any]] {
            ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        func inject(_ json: String) throws { try json.write(toFile: control, atomically: true, encoding: .utf8) }

        func startPlugin() throws {
            try? FileManager.default.removeItem(atPath: socket)  // a crashed plugin's is stale
            try s.startIn(namespace: s.namespace, ["python3", PluginTests.tool, "--socket", socket, "--log", log, "--control", control,
                                                   "--state", s.root + "/plugin-state.json"])
            for _ in 0..<100 where !FileManager.default.fileExists(atPath: socket) { usleep(50_000) }
        }
    }

    func withRig(timeout: Int = 10, _ body: (Rig) throws -> Void) throws {
        try withSandbox { s in
            s.stop()
            try s.start(args: ["--plugin-dir", s.root + "/plugins", "--plugin-timeout", "\(timeout)"])
            let rig = Rig(s: s)
            try rig.inject("{}")
            try rig.startPlugin()
            try Shell.must("/usr/sbin/ip", ["-n", s.namespace, "link", "add", "tpbr0", "type", "bridge"])
            try Shell.must("/usr/sbin/ip", ["-n", s.namespace, "link", "set", "tpbr0", "up"])
            // The plugin's bridge is not Berth's: with bridge netfilter calling the IP hooks, Berth's
            // forward chain drops what crosses it, as dockerd's FORWARD policy DROP does; a plugin
            // bridge is switched, not routed, so the tests turn that call off in the daemon's namespace.
            try Shell.must("/usr/sbin/ip", ["netns", "exec", s.namespace, "sysctl", "-qw", "net.bridge.bridge-nf-call-iptables=0"])
            let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
            #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
            try body(rig)
        }
    }

    func hostLinks(_ s: DaemonSandbox) throws -> String { try s.inNamespace("ip", "-o", "link", "show").out }

    @Test func aPluginNetworkCarriesContainersEndToEnd() throws {
        try withRig { rig in
            let s = rig.s
            let made = try s.docker("network", "create", "-d", "tplug", "-o", "parent=tpbr0", "--subnet", "10.55.0.0/24", "pnet")
            #expect(made.code == 0, "\(made.err)")
            #expect(Array(rig.methods().prefix(3)) == ["Plugin.Activate", "NetworkDriver.GetCapabilities", "NetworkDriver.CreateNetwork"])
            #expect(rig.requests().allSatisfy { ($0["accept"] as? String) == "application/vnd.docker.plugins.v1.2+json" })
            let create = try #require(rig.requests().first { ($0["method"] as? String) == "NetworkDriver.CreateNetwork" }?["body"] as? [String: Any])
            let v4 = try #require((create["IPv4Data"] as? [[String: Any]])?.first)
            #expect(v4["Pool"] as? String == "10.55.0.0/24" && v4["Gateway"] as? String == "10.55.0.1/24" && v4["AddressSpace"] as? String == "LocalDefault")
            let generic = (create["Options"] as? [String: Any])?["com.docker.network.generic"] as? [String: String]
            #expect(generic == ["parent": "tpbr0"])
            #expect(try s.docker("network", "inspect", "-f", "{{.Driver}} {{.Scope}}", "pnet").out.trimmingCharacters(in: .whitespacesAndNewlines) == "tplug local")

            for c in ["pa", "pb"] {
                let r = try s.docker("run", "-d", "--name", c, "--network", "pnet", "alpine", "sleep", "1000")
                #expect(r.code == 0, "\(r.err)")
            }
            let joins = rig.methods().filter { $0.hasPrefix("NetworkDriver.") }.dropFirst(2)
            #expect(Array(joins) == ["NetworkDriver.CreateEndpoint", "NetworkDriver.Join", "NetworkDriver.CreateEndpoint", "NetworkDriver.Join"])
            let endpoint = try #require(rig.requests().first { ($0["method"] as? String) == "NetworkDriver.CreateEndpoint" }?["body"] as? [String: Any])
            let iface = endpoint["Interface"] as? [String: String]
            #expect(iface?["Address"] == "10.55.0.2/24" && iface?["MacAddress"] == "02:42:0a:37:00:02", "\(String(describing: iface))")
            // The plugin's veth, renamed eth0, with the daemon's address; its host end in tpbr0.
            let addr = try s.docker("exec", "pa", "ip", "-4", "-o", "addr", "show", "eth0").out
            #expect(addr.contains("10.55.0.2/24"), "\(addr)")
            #expect(try hostLinks(s).contains("master tpbr0"))
            // Names across the plugin's network, by the embedded DNS.
            let ping = try s.docker("exec", "pa", "ping", "-c", "1", "-W", "2", "pb")
            #expect(ping.code == 0, "\(ping.out) \(ping.err)")
            // The plugin gave no gateway: the way out is docker_gwbridge, as dockerd does it.
            let route = try s.docker("exec", "pa", "ip", "route").out
            #expect(route.contains("default via 172.") && route.contains("dev eth1"), "\(route)")

            // Disconnect: Leave, the interface back in the daemon's namespace, DeleteEndpoint (the plugin deletes it).
            let before = rig.methods().count
            #expect(try s.docker("network", "disconnect", "pnet", "pb").code == 0)
            let leave = Array(rig.methods().dropFirst(before)).filter { $0 != "NetworkDriver.RevokeExternalConnectivity" }
            #expect(leave == ["NetworkDriver.Leave", "NetworkDriver.DeleteEndpoint"], "\(leave)")
            #expect(try s.docker("exec", "pb", "ls", "/sys/class/net").out.contains("eth0") == false)
            let links = try hostLinks(s)
            #expect(links.components(separatedBy: "master tpbr0").count == 2, "one endpoint left on tpbr0: \(links)")
            #expect(!links.contains("tpc"), "the container end went back and was deleted with its pair: \(links)")

            // Removal, then the network: DeleteNetwork last.
            for c in ["pa", "pb"] { #expect(try s.docker("rm", "-f", c).code == 0) }
            #expect(try s.docker("network", "rm", "pnet").code == 0)
            #expect(rig.methods().last == "NetworkDriver.DeleteNetwork")
            #expect(!(try hostLinks(s).contains("master tpbr0")))
        }
    }

    @Test func unknownPluginsFailAtOncePluginErrorsLeaveNothingAndAHungPluginStallsNothingElse() throws {
        try withRig(timeout: 2) { rig in
            let s = rig.s
            // dockerd retries an unknown name for ~15 s (moby#26974); Berth answers at once.
            let t0 = Date()
            let unknown = try s.docker("network", "create", "-d", "nosuchplugin", "x")
            let took = Date().timeIntervalSince(t0)
            #expect(unknown.code != 0 && unknown.err.contains(#"plugin "nosuchplugin" not found"#), "\(unknown.err)")
            #expect(took < 2, "an unknown driver took \(took) s")
            print("plugins: an unknown driver refused after \(String(format: "%.2f", took)) s")

            // The plugin refuses the network: its message, nothing made.
            let refused = try s.docker("network", "create", "-d", "tplug", "nope")
            #expect(refused.code != 0 && refused.err.contains("remote: the -o parent=BRIDGE option is required"), "\(refused.err)")
            #expect(try s.docker("network", "inspect", "nope").code != 0)

            #expect(try s.docker("network", "create", "-d", "tplug", "-o", "parent=tpbr0", "pnet").code == 0)
            // A Join that fails: dockerd's `remote:` message, the endpoint deleted, no address kept.
            try rig.inject(#"{"err": {"NetworkDriver.Join": "no room on the bridge"}}"#)
            let failed = try s.docker("run", "-d", "--name", "pj", "--network", "pnet", "alpine", "sleep", "1000")
            #expect(failed.code != 0 && failed.err.contains("remote: no room on the bridge"), "\(failed.err)")
            #expect(rig.methods().suffix(3) == ["NetworkDriver.CreateEndpoint", "NetworkDriver.Join", "NetworkDriver.DeleteEndpoint"])
            #expect(try s.docker("network", "inspect", "-f", "{{len .Containers}}", "pnet").out.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
            try rig.inject("{}")
            #expect(try s.docker("rm", "-f", "pj").code == 0)
            #expect(try s.docker("run", "-d", "--name", "ok1", "--network", "pnet", "alpine", "sleep", "1000").code == 0)
            #expect(try s.docker("inspect", "-f", "{{.NetworkSettings.Networks.pnet.IPAddress}}", "ok1").out.hasSuffix(".2\n"),
                    "the failed run's address was given back")

            // A plugin that hangs: the call ends at the deadline (2 s here) and the API stays instant meanwhile.
            try rig.inject(#"{"delay": {"NetworkDriver.CreateEndpoint": 30}}"#)
            let slow = DispatchQueue(label: "slow-run")
            let done = DispatchSemaphore(value: 0)
            nonisolated(unsafe) var hung: (Shell.Result, Double)?
            slow.async {
                let t = Date()
                let r = try? s.docker("run", "-d", "--name", "ph", "--network", "pnet", "alpine", "sleep", "1000")
                hung = r.map { ($0, Date().timeIntervalSince(t)) }
                done.signal()
            }
            usleep(300_000)
            let t1 = Date()
            #expect(try s.docker("network", "ls").code == 0)
            #expect(try s.docker("ps").code == 0)
            let meanwhile = Date().timeIntervalSince(t1)
            #expect(meanwhile < 1.5, "ls and ps took \(meanwhile) s while a plugin hung")
            done.wait()
            let (result, seconds) = try #require(hung)
            #expect(result.code != 0 && result.err.contains("did not answer within 2 s"), "\(result.err)")
            #expect(seconds < 6, "the hung call took \(seconds) s")
            print("plugins: a hung plugin's call ended after \(String(format: "%.1f", seconds)) s; ls+ps meanwhile \(String(format: "%.2f", meanwhile)) s")

            // The plugin dies and comes back on the same socket: used again, no restart of berthd.
            try rig.inject(#"{"crash": "NetworkDriver.CreateEndpoint"}"#)
            #expect(try s.docker("run", "-d", "--name", "pc", "--network", "pnet", "alpine", "sleep", "1000").code != 0)
            try rig.inject("{}")
            try rig.startPlugin()
            #expect(try s.docker("rm", "-f", "pc", "ph").code == 0)
            let again = try s.docker("run", "-d", "--name", "pd", "--network", "pnet", "alpine", "sleep", "1000")
            #expect(again.code == 0, "\(again.err)")
            #expect(try s.docker("ps", "--format", "{{.Names}}").out.contains("ok1"))
        }
    }

    @Test func berthdRestartsWithItsPluginDownWithoutWaitingAndUsesItWhenItIsBack() throws {
        try withRig { rig in
            let s = rig.s
            #expect(try s.docker("network", "create", "-d", "tplug", "-o", "parent=tpbr0", "pnet").code == 0)
            for c in ["ra", "rb"] { #expect(try s.docker("run", "-d", "--name", c, "--network", "pnet", "alpine", "sleep", "1000").code == 0) }
            // The plugin goes down, then berthd restarts: no call waits on it (libnetwork#813).
            try Shell.must("/usr/bin/pkill", ["-KILL", "-f", "test-plugin.py --socket " + rig.socket])
            s.stop()
            let t0 = Date()
            try s.start(args: ["--plugin-dir", s.root + "/plugins", "--plugin-timeout", "10"])
            let up = Date().timeIntervalSince(t0)
            #expect(up < 5, "berthd took \(up) s to answer with its plugin down")
            print("plugins: berthd answered \(String(format: "%.2f", up)) s after its start with the plugin down")
            #expect(try s.docker("network", "ls", "--format", "{{.Name}} {{.Driver}}").out.contains("pnet tplug"))
            #expect(try s.docker("exec", "ra", "ping", "-c", "1", "-W", "2", "rb").code == 0, "running containers keep their plugin network")
            let down = try s.docker("run", "-d", "--name", "rc", "--network", "pnet", "alpine", "sleep", "1000")
            let ps = try Shell.run("/bin/sh", ["-c", "ps aux | grep test-plugin"]).out
            #expect(down.code != 0 && down.err.contains("plugin tplug is not answering"), "\(down.err) \(rig.methods().suffix(6)) \(ps)")
            #expect(try s.docker("rm", "-f", "rc").code == 0)
            // Back on its socket: used at once.
            try rig.startPlugin()
            #expect(try s.docker("run", "-d", "--name", "rd", "--network", "pnet", "alpine", "sleep", "1000").code == 0)
            #expect(try s.docker("exec", "rd", "ping", "-c", "1", "-W", "2", "ra").code == 0)
            for c in ["ra", "rb", "rd"] { #expect(try s.docker("rm", "-f", c).code == 0) }
            let rm = try s.docker("network", "rm", "pnet")
            #expect(rm.code == 0, "\(rm.err)")
        }
    }
}
