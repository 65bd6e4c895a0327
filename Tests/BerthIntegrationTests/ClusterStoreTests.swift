import BerthCluster
import BerthCore
import Foundation
import NIOPosix
import Testing

/// The cluster store against a real etcd (Debian's etcd-server 3.4) in a namespace: Berth's own
/// v3 gateway client, then berthd's host membership through `--cluster-store`.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && EtcdServer.isAvailable, "needs root and etcd (etcd-server)"))
struct ClusterStoreTests {
    /// A namespace with etcd on 127.0.0.1 and an event loop whose thread lives in that namespace
    /// (threads inherit the namespace of the thread that starts them), so the client's sockets
    /// reach it while the test process stays in the machine's namespace.
    final class Rig {
        let tag = String(Identifier.random().prefix(6))
        var namespace: String { "berth-kv-\(tag)" }
        let root: String
        var etcd: EtcdServer!
        var group: MultiThreadedEventLoopGroup!

        init() async throws {
            root = "/tmp/berth-kv-\(tag)"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            try Shell.must("/usr/sbin/ip", ["netns", "add", namespace])
            try Shell.must("/usr/sbin/ip", ["-n", namespace, "link", "set", "lo", "up"])
            etcd = try EtcdServer(namespace: namespace, address: "127.0.0.1", root: root)
            group = try await NamespaceThread.run(network: .enterPath("/run/netns/\(namespace)")) {
                MultiThreadedEventLoopGroup(numberOfThreads: 1)
            }
        }

        func store(_ url: String? = nil, timeout: Double = 2) throws -> EtcdClusterStore {
            EtcdClusterStore(address: try ClusterStoreAddress(parsing: url ?? "etcd://127.0.0.1:2379/t\(tag)"), group: group, timeout: timeout)
        }

        func close() async {
            etcd?.close()
            try? await group?.shutdownGracefully()
            _ = try? Shell.run("/usr/sbin/ip", ["netns", "del", namespace])
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    func withRig(_ body: (Rig) async throws -> Void) async throws {
        let rig = try await Rig()
        do {
            try await body(rig)
        } catch {
            await rig.close()
            throw TestFailure("\(error)\n--- etcd log ---\n\(rig.etcd?.log.suffix(3000) ?? "")")
        }
        await rig.close()
    }

    @Test func keysLiveUnderTheAddressPrefixAndOnlyOneConcurrentCreatorWins() async throws {
        try await withRig { rig in
            let a = try rig.store("etcd://127.0.0.1:2379/team-a")
            let b = try rig.store("etcd://127.0.0.1:2379/team-b")
            try await a.put("networks/n1", Array("one".utf8))
            #expect(try await a.get("networks/n1")?.text == "one")
            #expect(try await b.range("networks/", prefix: true).kvs.isEmpty)
            // What etcd holds: the full key under the prefix.
            #expect(try rig.etcd.values(prefix: "/team-a/")["/team-a/networks/n1"] == "one")

            let wins = await withTaskGroup(of: Bool.self) { g in
                for i in 0..<20 { g.addTask { (try? await a.create("ipam/n1/10.0.0.2", Array("host\(i)".utf8))) == .some(nil) } }
                return await g.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
            #expect(wins == 1)
            let holder = try await a.create("ipam/n1/10.0.0.2", Array("late".utf8))
            #expect(holder?.text.hasPrefix("host") == true)

            let first = try #require(try await a.get("networks/n1"))
            try await a.put("networks/n1", Array("two".utf8))
            #expect(try await !a.delete("networks/n1", ifModRevision: first.modRevision))
            #expect(try await a.get("networks/n1")?.text == "two")
        }
    }

    @Test func anExpiredLeaseReachesAWatchAsADeleteAndKeepAliveThenSaysZero() async throws {
        try await withRig { rig in
            let s = try rig.store()
            let lease = try await s.grantLease(ttl: 2)
            #expect(lease.ttl == 2)
            let rev = try await s.put("hosts/h1", Array("alive".utf8), lease: lease.id)
            #expect(try await s.get("hosts/h1")?.lease == lease.id)
            var it = s.watch(prefix: "hosts/", after: rev).makeAsyncIterator()
            try await s.put("hosts/h2", Array("other".utf8))
            let put = try #require(try await it.next())
            #expect(put.map(\.kind) == [.put] && put[0].kv.key == "hosts/h2")
            #expect(try await s.keepAlive(lease.id) == 2)
            let start = ContinuousClock.now
            let gone = try #require(try await it.next())
            let waited = ContinuousClock.now - start
            #expect(gone.map(\.kind) == [.delete] && gone[0].kv.key == "hosts/h1" && gone[0].previous?.text == "alive")
            #expect(waited < .seconds(5), "the lease of 2 s ended after \(waited)")
            #expect(try await s.keepAlive(lease.id) == 0)
            #expect(try await s.get("hosts/h1") == nil)
            try await s.revokeLease(lease.id)  // already gone: not an error
        }
    }

    @Test func aDeadMemberIsSkippedAndALostStoreIsAClearErrorWithinTheDeadline() async throws {
        try await withRig { rig in
            // Nothing listens on 2391: the client moves on to the member that answers.
            let s = try rig.store("etcd://127.0.0.1:2391,127.0.0.1:2379/t\(rig.tag)")
            try await s.put("k", [1])
            #expect(try await s.get("k")?.value == [1])
            var it = s.watch(prefix: "", after: 0).makeAsyncIterator()
            _ = try await it.next()
            rig.etcd.stop()
            await #expect(throws: ClusterStoreError.self) { try await it.next() }
            let start = ContinuousClock.now
            do {
                _ = try await s.get("k")
                Issue.record("a read with etcd gone succeeded")
            } catch {
                let text = String(describing: error)
                // Refused at once, or (a connection that died unseen) past the deadline: either names the store.
                #expect((text.contains("is unavailable") || text.contains("did not answer")) && text.contains("etcd://127.0.0.1:2391,127.0.0.1:2379"), "\(text)")
            }
            #expect(ContinuousClock.now - start < .seconds(5))
            try rig.etcd.start()
            #expect(try await s.get("k")?.value == [1])
        }
    }
}
