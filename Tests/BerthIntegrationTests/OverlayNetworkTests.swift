import Foundation
import Testing

/// Overlay networks across three berthd hosts sharing one etcd, driven by the docker CLI:
/// made on one host, seen at once on the others with scope global, names and subnets unique
/// across the cluster even when hosts race, removed from any host, and caught up by a host that
/// was down meanwhile.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && EtcdServer.isAvailable, "needs root, the docker CLI and etcd"))
struct OverlayNetworkTests {
    func ls(_ h: DaemonSandbox) throws -> String {
        try h.docker("network", "ls", "--filter", "driver=overlay", "--format", "{{.Name}} {{.Scope}}").out
    }

    @Test func anOverlayNetworkMadeOnOneHostIsUsableByNameOnEveryOther() throws {
        try withCluster(hosts: 3) { rig in
            let (h1, h2, h3) = (rig.hosts[0], rig.hosts[1], rig.hosts[2])
            let made = try h1.docker("network", "create", "-d", "overlay", "--attachable", "ovnet")
            #expect(made.code == 0, "\(made.err)")
            let id = made.out.trimmingCharacters(in: .whitespacesAndNewlines)
            for h in [h2, h3] {
                let seen = try rig.waitFor(3) { try ls(h).contains("ovnet global") }
                #expect(seen != nil, "ovnet not listed on \(h.namespace): \((try? ls(h)) ?? "")")
                print("overlay: network visible on another host after \(seen.map { String(format: "%.2f", $0) } ?? "-") s")
            }
            let inspect = try h3.docker("network", "inspect", "-f", "{{.Id}} {{.Scope}} {{.Driver}} {{.Attachable}} {{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}", "ovnet").out
            #expect(inspect.trimmingCharacters(in: .whitespacesAndNewlines) == "\(id) global overlay true 10.0.0.0/24 10.0.0.1")

            // The name is the cluster's: another host cannot take it, whatever it has seen.
            let again = try h2.docker("network", "create", "-d", "overlay", "ovnet")
            #expect(again.code != 0 && again.err.contains("network with name ovnet already exists"), "\(again.err)")
            // A subnet another host's network has.
            let overlap = try h3.docker("network", "create", "-d", "overlay", "--subnet", "10.0.0.0/24", "other")
            #expect(overlap.code != 0 && overlap.err.contains("Pool overlaps with other one on this address space"), "\(overlap.err)")

            // Removed from a host that did not make it: gone everywhere.
            #expect(try h2.docker("network", "rm", "ovnet").code == 0)
            for h in [h1, h3] { #expect(try rig.waitFor(3) { try !ls(h).contains("ovnet") } != nil) }
            #expect(try rig.etcd.values(prefix: "/berth/networks/").isEmpty)
            #expect(try rig.etcd.values(prefix: "/berth/netnames/").isEmpty)
        }
    }

    @Test func hostsRacingToCreateGetOneWinnerPerNameAndDistinctSubnets() throws {
        try withCluster(hosts: 3) { rig in
            // Three hosts make three networks each at the same time, then all race for one name.
            let results = Mutex3()
            let cli = try #require(DaemonSandbox.dockerCLI)
            let targets = rig.hosts.map { ($0.host, $0.root + "/docker-config") }
            DispatchQueue.concurrentPerform(iterations: 3) { i in
                func create(_ name: String) -> Bool {
                    (try? Shell.run(cli, ["-H", targets[i].0, "network", "create", "-d", "overlay", name], env: ["DOCKER_CONFIG": targets[i].1]))?.code == 0
                }
                for j in 0..<3 { results.add(made: create("n\(i)\(j)")) }
                results.add(same: create("same"))
            }
            #expect(results.made == 9 && results.same == 1, "made \(results.made), same \(results.same)")
            let inspect = ["network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}}{{end}} {{index .Options \"com.docker.network.driver.overlay.vxlanid_list\"}}"]
                + (0..<3).flatMap { i in (0..<3).map { "n\(i)\($0)" } } + ["same"]
            // Host 1 sees the others' networks as its watch brings them (milliseconds).
            _ = try rig.waitFor(3) { try rig.hosts[0].docker(inspect).code == 0 }
            let subnets = try rig.hosts[0].docker(inspect)
            #expect(subnets.code == 0, "\(subnets.err)")
            let lines = subnets.out.split(separator: "\n").map { $0.split(separator: " ") }
            #expect(lines.count == 10)
            #expect(Set(lines.map { $0.first ?? "" }).count == 10, "subnets: \(subnets.out)")
            #expect(Set(lines.map { $0.last ?? "" }).count == 10, "VXLAN ids: \(subnets.out)")
        }
    }

    @Test func aHostThatWasDownSeesWhatChangedWhileItWasAway() throws {
        try withCluster(hosts: 2) { rig in
            let (h1, h2) = (rig.hosts[0], rig.hosts[1])
            #expect(try h1.docker("network", "create", "-d", "overlay", "early").code == 0)
            #expect(try rig.waitFor(3) { try ls(h2).contains("early global") } != nil)
            h2.stop(signal: SIGKILL)
            #expect(try h1.docker("network", "rm", "early").code == 0)
            #expect(try h1.docker("network", "create", "-d", "overlay", "late").code == 0)
            try h2.start(args: ClusterRig.clusterArgs(2))
            #expect(try rig.waitFor(5) { let l = try ls(h2); return l.contains("late global") && !l.contains("early") } != nil, "\((try? ls(h2)) ?? "")")

            // etcd down: overlay changes fail with a clear error, local ones go on.
            rig.etcd.stop()
            let failed = try h2.docker("network", "create", "-d", "overlay", "while-down")
            #expect(failed.code != 0 && failed.err.contains("cannot create overlay network while-down: cluster store etcd://10.98.0.1:2379 "), "\(failed.err)")
            #expect(try h2.docker("network", "create", "local-net").code == 0)
            #expect(try ls(h2).contains("late global"))
            // A restart while etcd is down still knows the overlay networks (the host's own copy).
            h2.stop()
            try h2.start(args: ClusterRig.clusterArgs(2))
            #expect(try ls(h2).contains("late global"))
            try rig.etcd.start()
            #expect(try rig.waitFor(10) { try h2.docker("network", "create", "-d", "overlay", "after").code == 0 } != nil)
            #expect(try rig.waitFor(3) { try ls(h1).contains("after global") } != nil)
        }
    }
}

/// Counts from concurrent test threads.
final class Mutex3: @unchecked Sendable {
    // Guarded by `lock`; only the test's worker threads touch it.
    private let lock = NSLock()
    private var _made = 0, _same = 0
    var made: Int { lock.withLock { _made } }
    var same: Int { lock.withLock { _same } }
    func add(made ok: Bool) { lock.withLock { if ok { _made += 1 } } }
    func add(same ok: Bool) { lock.withLock { if ok { _same += 1 } } }
}
