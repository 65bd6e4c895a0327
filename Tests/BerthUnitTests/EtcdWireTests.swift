@testable import BerthCluster
import BerthAPI
import Testing

/// etcd v3's JSON gateway shapes, against replies etcd 3.4.23 gave on this machine (curl in a
/// namespace, 2026-12-04), and the requests Berth renders.
@Suite struct EtcdWireTests {
    static let header = #""header":{"cluster_id":"2037210783374497686","member_id":"13195394291058371180","revision":"4","raft_term":"2"}"#

    @Test func base64RoundTripsEveryLengthAndRejectsWhatIsNot() {
        #expect(Base64.encode("foo") == "Zm9v")
        #expect(Base64.encode("fo") == "Zm8=")
        #expect(Base64.encode("f") == "Zg==")
        #expect(Base64.encode("") == "")
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 * 37 + 250) }
            #expect(Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.decode("Zm9v*") == nil)
        #expect(Base64.decode("Zg==Zg") == nil)
        #expect(Base64.decode("Zm8") == Array("fo".utf8))
    }

    @Test func aPrefixRangeEndsAtTheNextKeyAfterEveryKeyWithThatPrefix() {
        #expect(EtcdWire.rangeEnd(of: "foo") == Array("fop".utf8))
        #expect(EtcdWire.rangeEnd(of: "/berth/v1/hosts/") == Array("/berth/v1/hosts0".utf8))
        #expect(EtcdWire.rangeEnd(of: "") == [0])
        #expect(EtcdWire.range("foo", prefix: true) == .obj(["key": .string("Zm9v"), "range_end": .string("Zm9w")]))
        #expect(EtcdWire.range("foo", prefix: false) == .obj(["key": .string("Zm9v")]))
    }

    @Test func aTransactionRendersComparisonsAndBothBranchesAsTheGatewayReadsThem() {
        let t = ClusterTxn(compare: [.absent("a"), .modRevision("b", 7), .value("c", [1])],
                           success: [.put("a", Array("x".utf8), lease: 42), .delete("b"), .deletePrefix("d")],
                           failure: [.get("a")])
        let r = EtcdWire.txn(t).rendered()
        #expect(r == #"{"compare":[{"target":"CREATE","key":"YQ==","createRevision":"0"},{"target":"MOD","key":"Yg==","modRevision":"7"},{"target":"VALUE","key":"Yw==","value":"AQ=="}],"#
            + #""success":[{"requestPut":{"key":"YQ==","value":"eA==","lease":"42"}},{"requestDeleteRange":{"key":"Yg=="}},{"requestDeleteRange":{"key":"ZA==","range_end":"ZQ=="}}],"#
            + #""failure":[{"requestRange":{"key":"YQ=="}}]}"#)
        // No lease: the field is left out, as etcd's zero value.
        #expect(!EtcdWire.txn(ClusterTxn(success: [.put("a", [], lease: 0)])).rendered().contains("lease"))
    }

    @Test func aRangeReplyGivesItsKeysAndTheRevision() throws {
        let body = "{\(Self.header),\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":\"2\",\"mod_revision\":\"3\",\"version\":\"1\",\"value\":\"YmFy\",\"lease\":\"7668682664899560711\"}],\"count\":\"1\"}"
        let r = try EtcdWire.parseRange(Array(body.utf8))
        #expect(r.revision == 4)
        #expect(r.kvs == [ClusterKV(key: "foo", value: Array("bar".utf8), createRevision: 2, modRevision: 3, lease: 7_668_682_664_899_560_711)])
        // A range that found nothing has no kvs member at all.
        #expect(try EtcdWire.parseRange(Array("{\(Self.header)}".utf8)).kvs.isEmpty)
        #expect(throws: ClusterStoreError.self) { try EtcdWire.parseRange(Array("{\"kvs\":[]}".utf8)) }
    }

    @Test func aFailedCreateIfAbsentReturnsTheHolderAndNoSucceededMeansFalse() throws {
        let failed = "{\(Self.header),\"responses\":[{\"response_range\":{\"header\":{\"revision\":\"4\"},\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":\"2\",\"mod_revision\":\"2\",\"version\":\"1\",\"value\":\"YmFy\"}],\"count\":\"1\"}}]}"
        let r = try EtcdWire.parseTxn(Array(failed.utf8))
        #expect(!r.succeeded)
        #expect(r.ranges.first?.first?.text == "bar")
        let ok = "{\(Self.header),\"succeeded\":true,\"responses\":[{\"response_put\":{\"header\":{\"revision\":\"5\"}}}]}"
        let s = try EtcdWire.parseTxn(Array(ok.utf8))
        #expect(s.succeeded && s.revision == 4 && s.ranges.isEmpty)
    }

    @Test func leasesGrantKeepAliveAndAGoneLeaseReadAsZero() throws {
        let g = try EtcdWire.parseGrant(Array("{\(Self.header),\"ID\":\"7668682664899560711\",\"TTL\":\"5\"}".utf8))
        #expect(g == ClusterLease(id: 7_668_682_664_899_560_711, ttl: 5))
        #expect(EtcdWire.grant(ttl: 10).rendered() == #"{"TTL":"10"}"#)
        #expect(try EtcdWire.parseKeepAlive(Array("{\"result\":{\(Self.header),\"ID\":\"7668682664899560711\",\"TTL\":\"5\"}}\n".utf8)) == 5)
        // An expired lease: the reply has no TTL (etcd's zero value).
        #expect(try EtcdWire.parseKeepAlive(Array("{\"result\":{\(Self.header),\"ID\":\"7668682664899560711\"}}".utf8)) == 0)
    }

    @Test func watchLinesCarryPutsDeletesWithThePreviousValueAndCompaction() throws {
        #expect(try EtcdWire.parseWatchLine(Array("{\"result\":{\(Self.header),\"created\":true}}".utf8)).isEmpty)
        let put = "{\"result\":{\(Self.header),\"events\":[{\"kv\":{\"key\":\"Zm9vMQ==\",\"create_revision\":\"3\",\"mod_revision\":\"3\",\"version\":\"1\",\"value\":\"YQ==\"}}]}}"
        #expect(try EtcdWire.parseWatchLine(Array(put.utf8)) == [ClusterEvent(kind: .put, kv: ClusterKV(key: "foo1", value: [97], createRevision: 3, modRevision: 3))])
        let del = "{\"result\":{\(Self.header),\"events\":[{\"type\":\"DELETE\",\"kv\":{\"key\":\"Zm9vMQ==\",\"mod_revision\":\"4\"},\"prev_kv\":{\"key\":\"Zm9vMQ==\",\"create_revision\":\"3\",\"mod_revision\":\"3\",\"version\":\"1\",\"value\":\"YQ==\"}}]}}"
        let d = try EtcdWire.parseWatchLine(Array(del.utf8))
        #expect(d.count == 1 && d[0].kind == .delete && d[0].kv.key == "foo1" && d[0].kv.modRevision == 4 && d[0].previous?.value == [97])
        let compacted = "{\"result\":{\(Self.header),\"compact_revision\":\"9\",\"canceled\":true}}"
        #expect(throws: ClusterStoreError.compacted(revision: 9)) { try EtcdWire.parseWatchLine(Array(compacted.utf8)) }
        #expect(EtcdWire.watch(prefix: "p/", after: 41).rendered()
            == #"{"create_request":{"key":"cC8=","range_end":"cDA=","start_revision":"42","prev_kv":true}}"#)
    }

    @Test func theClusterStoreFlagTakesSeveralMembersAndAPrefixAndExplainsBadValues() throws {
        let a = try ClusterStoreAddress(parsing: "etcd://10.0.0.1:2379,[fd00::1]:2380/team/")
        #expect(a.members == [.init(host: "10.0.0.1", port: 2379), .init(host: "fd00::1", port: 2380)])
        #expect(a.prefix == "/team")
        #expect(try ClusterStoreAddress(parsing: "etcd://kv:2379").prefix == "/berth")
        for bad in ["kv:2379", "consul://kv:8500", "etcd://kv", "etcd://kv:0", "etcd://:2379", "etcd://a:1,"] {
            #expect(throws: ClusterStoreError.self, "\(bad)") { try ClusterStoreAddress(parsing: bad) }
        }
        do {
            _ = try ClusterStoreAddress(parsing: "consul://kv:8500")
        } catch {
            #expect(error.description.contains("Berth speaks etcd v3 only; use etcd://HOST:PORT"))
        }
    }
}
