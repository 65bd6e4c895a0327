import Foundation
import Testing

/// `--ipam-driver dhcp` on macvlan with the docker CLI against a real DHCP server: busybox
/// `udhcpd` in the "LAN" namespace on the other end of the parent veth. Containers lease their
/// address there (inspect shows it), renew it past its lifetime, keep renewing after a berthd
/// restart, and give it back when they are removed (udhcpd's lease table says so).
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct MacvlanDHCPTests {
    /// Seconds a lease lasts: short, so renewals happen while the test runs.
    static let leaseSeconds = 6

    struct Server {
        let config: String
        let leases: String

        /// udhcpd's table as `dumpleases` prints it, one line per lease (`MAC IP HOST EXPIRES`),
        /// once udhcpd has written it again (`auto_time 1`; SIGUSR1 would do, but a child of a
        /// test thread may inherit a mask that blocks it).
        func table() throws -> String {
            Thread.sleep(forTimeInterval: 1.3)
            return try Shell.run("/bin/busybox", ["dumpleases", "-f", leases]).out
        }

        func line(_ mac: String) throws -> String {
            let table = try table()
            return table.split(separator: "\n").first { $0.lowercased().hasPrefix(mac.lowercased()) }.map(String.init) ?? "(no lease for \(mac) in:\n\(table))"
        }
    }

    func startServer(_ s: DaemonSandbox, outside: String) throws -> Server {
        let server = Server(config: s.root + "/udhcpd.conf", leases: s.root + "/udhcpd.leases")
        let conf = """
        start 10.99.0.100
        end 10.99.0.150
        interface bo-\(s.tag)
        lease_file \(server.leases)
        min_lease 2
        auto_time 1
        option subnet 255.255.255.0
        option router 10.99.0.2
        option lease \(Self.leaseSeconds)
        """
        try conf.write(toFile: server.config, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: server.leases, contents: nil)
        // -a: how long udhcpd checks (by ARP) that an address is free before offering it.
        try s.startIn(namespace: outside, ["/bin/sh", "-c", "exec /bin/busybox udhcpd -f -a 200 \(server.config) >\(s.root)/udhcpd.log 2>&1"])
        return server
    }

    func inspect(_ s: DaemonSandbox, _ container: String, _ field: String) throws -> String {
        try s.docker("inspect", "-f", "{{.NetworkSettings.Networks.lan.\(field)}}", container).out.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func containersLeaseRenewAndReleaseTheirAddressesFromTheLANsServer() throws {
        try withSandbox { s in
            let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
            #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
            let outside = try s.makeOutside()
            let server = try startServer(s, outside: outside)
            let create = try s.docker("network", "create", "-d", "macvlan", "--ipam-driver", "dhcp", "-o", "parent=bx-\(s.tag)", "lan")
            #expect(create.code == 0, "\(create.err)")
            #expect(try s.docker("network", "inspect", "-f", "{{.IPAM.Driver}} {{len .IPAM.Config}}", "lan").out.hasPrefix("dhcp 0"))
            let refused = try s.docker("network", "create", "--ipam-driver", "dhcp", "br")
            #expect(refused.code != 0 && refused.err.contains("the dhcp IPAM driver leases addresses on macvlan networks only"), "\(refused.err)")

            for name in ["m1", "m2"] {
                let run = try s.docker("run", "-d", "--name", name, "--network", "lan", "alpine", "sleep", "3600")
                #expect(run.code == 0, "\(run.err)")
            }
            let ip1 = try inspect(s, "m1", "IPAddress"), ip2 = try inspect(s, "m2", "IPAddress")
            let mac1 = try inspect(s, "m1", "MacAddress"), mac2 = try inspect(s, "m2", "MacAddress")
            #expect(ip1.hasPrefix("10.99.0.1") && ip2.hasPrefix("10.99.0.1") && ip1 != ip2, "\(ip1) \(ip2)")
            #expect(try inspect(s, "m1", "IPPrefixLen") == "24" && inspect(s, "m1", "Gateway") == "10.99.0.2")
            #expect(try s.docker("network", "inspect", "-f", "{{range .Containers}}{{.IPv4Address}} {{end}}", "lan").out.contains(ip1 + "/24"))
            let held = try server.line(mac1)
            #expect(held.contains(ip1), "udhcpd's table holds m1's lease: \(held)\n\((try? String(contentsOfFile: s.root + "/udhcpd.log", encoding: .utf8)) ?? "")")
            #expect(try s.docker("exec", "m1", "ip", "-4", "addr", "show", "eth0").out.contains(ip1 + "/24"))
            let reached = try Shell.run("/usr/sbin/ip", ["netns", "exec", outside, "/bin/busybox", "ping", "-c", "1", "-W", "2", ip1])
            #expect(reached.code == 0, "the LAN host reaches m1 at its leased address")

            // Past a whole lease: still held, so renewed (udhcpd would say "expired" otherwise).
            Thread.sleep(forTimeInterval: Double(Self.leaseSeconds) + 2)
            let renewed = try server.line(mac1)
            #expect(renewed.contains(ip1) && !renewed.contains("expired"), "\(renewed)")

            #expect(try s.docker("rm", "-f", "m1").code == 0)
            #expect(try server.line(mac1).contains("expired"), "m1's lease was released at its removal")

            // A berthd restart: m2 keeps its address and its lease is kept alive again.
            s.stop()
            try s.start()
            #expect(try inspect(s, "m2", "IPAddress") == ip2)
            Thread.sleep(forTimeInterval: Double(Self.leaseSeconds) + 2)
            let kept = try server.line(mac2)
            #expect(kept.contains(ip2) && !kept.contains("expired"), "\(kept)\n\(s.log.split(separator: "\n").filter { $0.contains("DHCP") }.joined(separator: "\n"))")
            #expect(try s.docker("exec", "m2", "ping", "-c", "1", "-W", "2", "10.99.0.2").code == 0)
            #expect(try s.docker("rm", "-f", "m2").code == 0)
            #expect(try s.docker("network", "rm", "lan").code == 0)
        }
    }
}
