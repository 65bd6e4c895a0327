import Foundation
import Testing

/// berthd with `--cluster-store`/`--cluster-advertise`: it joins etcd (in the outside
/// namespace) under a lease, shows the store in `/info`, disappears from the cluster within the
/// lease when killed, and comes back; an etcd that is down never stops the local engine.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && EtcdServer.isAvailable, "needs root, the docker CLI and etcd"))
struct ClusterDaemonTests {
    /// Polls `condition` every 200 ms for up to `seconds`; returns how long it took, nil if never.
    func waitFor(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if try condition() { return Date().timeIntervalSince(start) }
            usleep(200_000)
        }
        return nil
    }

    @Test func badClusterFlagsAreRefusedWithMessagesThatSayWhatToGive() throws {
        try withSandbox { s in
            let berthd = DaemonSandbox.binDir + "/berthd"
            let roots = ["-H", "unix://\(s.root)/bad.sock", "--data-root", s.root + "/bad", "--exec-root", s.root + "/bad-exec"]
            let alone = try s.inNamespace(berthd, roots[0], roots[1], roots[2], roots[3], roots[4], roots[5], "--cluster-advertise", "eth0")
            #expect(alone.code == 1)
            #expect(alone.err.contains("invalid cluster configuration. --cluster-advertise must be accompanied by --cluster-store configuration"))
            let consul = try s.inNamespace(berthd, roots[0], roots[1], roots[2], roots[3], roots[4], roots[5],
                                           "--cluster-store", "consul://10.0.0.1:8500", "--cluster-advertise", "eth0")
            #expect(consul.code == 1 && consul.err.contains("Berth speaks etcd v3 only; use etcd://HOST:PORT"), "\(consul.err)")
            let noAdvertise = try s.inNamespace(berthd, roots[0], roots[1], roots[2], roots[3], roots[4], roots[5], "--cluster-store", "etcd://10.0.0.1:2379")
            #expect(noAdvertise.code == 1 && noAdvertise.err.contains("--cluster-store needs --cluster-advertise"), "\(noAdvertise.err)")
            s.stop()
            #expect(throws: TestFailure.self) {
                try s.start(args: ["--cluster-store", "etcd://10.0.0.1:2379", "--cluster-advertise", "nosuch0"])
            }
            #expect(s.log.contains("nosuch0 is neither an IP address nor an interface of this host"))
        }
    }

    @Test func berthdJoinsUnderALeaseLeavesWithinItWhenKilledAndSurvivesEtcdGoingDown() throws {
        try withSandbox { s in
            let outside = try s.makeOutside()
            let etcd = try EtcdServer(namespace: outside, address: "10.99.0.2", root: s.root)
            defer { etcd.close() }
            s.stop()
            let args = ["--cluster-store", etcd.url, "--cluster-advertise", "bx-\(s.tag):2376"]
            try s.start(args: args)

            let (status, info) = try s.api("GET", "/info")
            #expect(status == 200)
            #expect(info.contains(#""ClusterStore":"etcd://10.99.0.2:2379","ClusterAdvertise":"bx-\#(s.tag):2376""#))
            let id = try #require(info.firstMatch(of: /"ID":"([0-9a-f]{64})"/)?.1).description
            let key = "/berth/hosts/\(id)"
            func hostValue() throws -> String? { try etcd.values(prefix: "/berth/hosts/")[key] }
            #expect(try waitFor(5) { try hostValue() != nil } != nil, "no \(key) in etcd: \(s.log)")
            // The interface named by --cluster-advertise, resolved to its address.
            #expect(try hostValue()?.contains(#""Addr":"10.99.0.1""#) == true)
            #expect(try etcd.range(key).contains(#""lease":"#))

            // A crash: nothing revokes the lease, it runs out (10 s) and the host is gone.
            s.stop(signal: SIGKILL)
            let gone = try waitFor(14) { try hostValue() == nil }
            #expect(gone != nil, "the killed host was still in etcd after 14 s")
            print("cluster: a killed host left etcd after \(gone.map { String(format: "%.1f", $0) } ?? "-") s")

            try s.start(args: args)
            #expect(try waitFor(5) { try hostValue() != nil } != nil, "the restarted host did not join again")

            // etcd down: the local engine goes on; the host joins again once etcd is back.
            etcd.stop()
            #expect(try s.docker("network", "create", "local-while-etcd-down").code == 0)
            #expect(try s.docker("network", "ls").out.contains("local-while-etcd-down"))
            #expect(waitFor(8) { s.log.contains("warning berthd: [BerthEngine] cluster store etcd://10.99.0.2:2379 ") } != nil, "no warning in the log")
            try etcd.start()
            #expect(try waitFor(20) { try hostValue() != nil } != nil, "the host did not join again after etcd came back: \(s.log)")
        }
    }
}
