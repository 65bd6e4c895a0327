import BerthCluster
import Synchronization
import Testing

/// The in-memory store keeps etcd's semantics the cluster code relies on, so unit tests of
/// several "hosts" on it mean something.
@Suite struct MemoryClusterStoreTests {
    @Test func createIfAbsentLetsOneWriterWinAndTellsTheOtherWhoHolds() async throws {
        let s = MemoryClusterStore()
        #expect(try await s.create("ipam/n/10.0.0.2", Array("h1".utf8)) == nil)
        let holder = try await s.create("ipam/n/10.0.0.2", Array("h2".utf8))
        #expect(holder?.text == "h1")
        #expect(try await s.get("ipam/n/10.0.0.2")?.text == "h1")
    }

    @Test func concurrentCreatorsNeverBothWin() async throws {
        let s = MemoryClusterStore()
        let wins = await withTaskGroup(of: Bool.self) { g in
            for i in 0..<50 { g.addTask { (try? await s.create("k", [UInt8(i)])) == .some(nil) } }
            return await g.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(wins == 1)
    }

    @Test func deleteIfUnchangedLeavesANewerValueAlone() async throws {
        let s = MemoryClusterStore()
        try await s.put("k", [1])
        let first = try #require(try await s.get("k"))
        try await s.put("k", [2])
        #expect(try await !s.delete("k", ifModRevision: first.modRevision))
        #expect(try await s.get("k")?.value == [2])
        #expect(try await s.delete("k", ifModRevision: try #require(try await s.get("k")).modRevision))
        #expect(s.count == 0)
    }

    @Test func anExpiredLeaseTakesItsKeysAndWatchersSeeTheDeletes() async throws {
        let s = MemoryClusterStore()
        let lease = try await s.grantLease(ttl: 10)
        try await s.put("hosts/a", [1], lease: lease.id)
        try await s.put("networks/n", [2])
        let start = try await s.range("", prefix: true).revision
        var events = s.watch(prefix: "hosts/", after: start).makeAsyncIterator()
        s.advance(seconds: 6)
        #expect(try await s.keepAlive(lease.id) == 10)
        s.advance(seconds: 6)
        #expect(try await s.get("hosts/a") != nil)
        s.advance(seconds: 5)
        let batch = try #require(try await events.next())
        #expect(batch.map(\.kind) == [.delete] && batch[0].previous?.value == [1])
        #expect(try await s.get("hosts/a") == nil && s.count == 1)
        #expect(try await s.keepAlive(lease.id) == 0)
    }

    @Test func aWatchReplaysWhatCameAfterItsRevisionThenFollows() async throws {
        let s = MemoryClusterStore()
        try await s.put("a/1", [1])
        let r = try await s.put("a/2", [2])
        try await s.put("a/3", [3])
        try await s.put("b/1", [9])
        var it = s.watch(prefix: "a/", after: r).makeAsyncIterator()
        #expect(try await it.next()?.map(\.kv.key) == ["a/3"])
        _ = try await s.txn(ClusterTxn(success: [.deletePrefix("a/")]))
        #expect(try await it.next()?.map(\.kv.key) == ["a/1", "a/2", "a/3"])
    }

    @Test func aStoreThatIsDownFailsCallsAndEndsWatches() async throws {
        let s = MemoryClusterStore()
        var it = s.watch(prefix: "", after: 0).makeAsyncIterator()
        s.setDown(true)
        await #expect(throws: ClusterStoreError.self) { try await it.next() }
        await #expect(throws: ClusterStoreError.self) { try await s.put("k", [1]) }
        s.setDown(false)
        #expect(try await s.put("k", [1]) > 0)
    }
}

/// Joining and rejoining the cluster through a store that goes away and comes back.
@Suite struct ClusterMembershipTests {
    /// etcd back within the lease: the same lease is renewed, and who waited for the join
    /// (the controller's watch of the cluster) goes on; it used to wait for ever.
    @Test func waitersGoOnWhenTheSameLeaseSurvivesAnOutage() async throws {
        let store = MemoryClusterStore()
        let unreachable = Mutex(false)
        let m = ClusterMembership(store: store, host: .init(id: "h1", name: "h1", address: "10.0.0.1"), ttl: 10, interval: .milliseconds(10),
                                  onState: { if case .unreachable = $0 { unreachable.withLock { $0 = true } } })
        await m.start()
        await m.waitJoined()
        let lease = try await m.currentLease()
        store.setDown(true)
        while !unreachable.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
        let waiter = Task { await m.waitJoined(); return true }
        store.setDown(false)
        let joined = await withTaskGroup(of: Bool.self) { group in
            group.addTask { await waiter.value }
            group.addTask { try? await Task.sleep(for: .seconds(20)); return false }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        #expect(joined, "waitJoined never returned after the store came back")
        #expect(try await m.currentLease() == lease, "the lease outlived the outage and was renewed, not granted again")
        await m.leave(revoke: true)
    }
}
