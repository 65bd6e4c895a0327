import BerthCore
import Foundation

/// Several "hosts" on one machine: each a berthd in a namespace of its own (a `DaemonSandbox`),
/// all joined by veths to a bridge in a "LAN" namespace, where etcd runs at 10.98.0.1. Host i
/// is 10.98.0.(10+i) on its `lh<i>-<tag>` interface and advertises that address. Everything is
/// removed at `close()`, also when a test fails halfway.
final class ClusterRig {
    let tag = String(Identifier.random().prefix(6))
    var lan: String { "berth-lan-\(tag)" }
    let root: String
    private(set) var hosts: [DaemonSandbox] = []
    private(set) var etcd: EtcdServer!

    init(hosts count: Int) throws {
        root = "/tmp/berth-lan-\(tag)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let ip = "/usr/sbin/ip"
        do {
            try Shell.must(ip, ["netns", "add", lan])
            try Shell.must(ip, ["-n", lan, "link", "set", "lo", "up"])
            try Shell.must(ip, ["-n", lan, "link", "add", "lan0", "type", "bridge"])
            try Shell.must(ip, ["-n", lan, "addr", "add", "10.98.0.1/24", "dev", "lan0"])
            try Shell.must(ip, ["-n", lan, "link", "set", "lan0", "up"])
            etcd = try EtcdServer(namespace: lan, address: "10.98.0.1", root: root)
            for i in 1...count { hosts.append(try addHost(i)) }
        } catch {
            close()
            throw error
        }
    }

    /// The flags host `i` runs with.
    static func clusterArgs(_ i: Int) -> [String] {
        ["--cluster-store", "etcd://10.98.0.1:2379", "--cluster-advertise", "10.98.0.\(10 + i)"]
    }

    private func addHost(_ i: Int) throws -> DaemonSandbox {
        // The LAN link is made before berthd starts, so the host joins the cluster at once.
        let (tag, lan) = (tag, lan)
        let h = try DaemonSandbox(extraArgs: Self.clusterArgs(i)) { h in
            let ip = "/usr/sbin/ip"
            let here = "lh\(i)-\(tag)", there = "lp\(i)-\(tag)"
            try Shell.must(ip, ["link", "add", here, "netns", h.namespace, "type", "veth", "peer", "name", there, "netns", lan])
            try Shell.must(ip, ["-n", lan, "link", "set", there, "master", "lan0", "up"])
            try Shell.must(ip, ["-n", h.namespace, "addr", "add", "10.98.0.\(10 + i)/24", "dev", here])
            try Shell.must(ip, ["-n", h.namespace, "link", "set", here, "up"])
        }
        // Joined: its host key is in etcd.
        let joined = try waitFor(5) { try etcd.values(prefix: "/berth/hosts/").count >= i }
        guard joined != nil else { throw TestFailure("host \(i) did not join the cluster within 5 s: \(h.log)") }
        return h
    }

    /// Polls `condition` every 100 ms for up to `seconds`; returns how long it took, nil if never.
    func waitFor(_ seconds: Double, _ condition: () throws -> Bool) rethrows -> Double? {
        let start = Date()
        while Date().timeIntervalSince(start) < seconds {
            if try condition() { return Date().timeIntervalSince(start) }
            usleep(100_000)
        }
        return nil
    }

    /// Every host's berthd log and etcd's, for a failure's report.
    var logs: String {
        hosts.enumerated().map { "--- host \($0.offset + 1) ---\n\($0.element.log.suffix(4000))" }.joined(separator: "\n")
            + "\n--- etcd ---\n\(etcd?.log.suffix(2000) ?? "")"
    }

    func close() {
        for h in hosts { h.close() }
        etcd?.close()
        _ = try? Shell.run("/usr/sbin/ip", ["netns", "del", lan])
        try? FileManager.default.removeItem(atPath: root)
    }
}

/// Runs `body` with a fresh rig of `hosts` hosts and always tears it down.
func withCluster(hosts: Int, _ body: (ClusterRig) throws -> Void) throws {
    let rig = try ClusterRig(hosts: hosts)
    defer { rig.close() }
    do {
        try body(rig)
    } catch {
        throw TestFailure("\(error)\n\(rig.logs)")
    }
}
