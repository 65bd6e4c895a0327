import BerthAPI

/// etcd v3's JSON gateway (`/v3/…`, as etcd 3.4 and later serve it): request bodies from Berth's
/// types and replies back into them. Pure, so every shape is unit-tested with canned JSON.
///
/// The gateway's conventions: keys and values are base64; 64-bit integers travel as strings;
/// fields at their zero value are omitted (no `succeeded` means false, no `kvs` means none, an
/// event without `type` is a PUT).
enum EtcdWire {
    // MARK: requests

    static func range(_ key: String, prefix: Bool) -> JSONValue {
        var m = [JSONValue.Member("key", .string(Base64.encode(key)))]
        if prefix { m.append(.init("range_end", .string(Base64.encode(rangeEnd(of: key))))) }
        return .object(m)
    }

    static func txn(_ t: ClusterTxn) -> JSONValue {
        .obj([
            "compare": .array(t.compare.map(compare)),
            "success": .array(t.success.map(op)),
            "failure": .array(t.failure.map(op)),
        ])
    }

    static func grant(ttl: Int) -> JSONValue { .obj(["TTL": .string(String(ttl))]) }
    static func lease(_ id: Int64) -> JSONValue { .obj(["ID": .string(String(id))]) }

    static func watch(prefix: String, after revision: Int64) -> JSONValue {
        .obj(["create_request": .obj([
            "key": .string(Base64.encode(prefix)),
            "range_end": .string(Base64.encode(rangeEnd(of: prefix))),
            "start_revision": .string(String(revision + 1)),
            "prev_kv": .bool(true),
        ])])
    }

    /// The end of the key range holding every key that starts with `prefix`: its last byte that
    /// is not 0xFF plus one, with what follows dropped (etcd's `GetPrefixRangeEnd`).
    static func rangeEnd(of prefix: String) -> [UInt8] {
        var end = Array(prefix.utf8)
        while let last = end.last {
            if last < 0xFF {
                end[end.count - 1] = last + 1
                return end
            }
            end.removeLast()
        }
        return [0]  // every key
    }

    private static func compare(_ c: ClusterTxn.Compare) -> JSONValue {
        switch c {
        case .absent(let k):
            .obj(["target": .string("CREATE"), "key": .string(Base64.encode(k)), "createRevision": .string("0")])
        case .modRevision(let k, let r):
            .obj(["target": .string("MOD"), "key": .string(Base64.encode(k)), "modRevision": .string(String(r))])
        case .value(let k, let v):
            .obj(["target": .string("VALUE"), "key": .string(Base64.encode(k)), "value": .string(Base64.encode(v))])
        }
    }

    private static func op(_ o: ClusterTxn.Op) -> JSONValue {
        switch o {
        case .put(let k, let v, let lease):
            var m: [JSONValue.Member] = [.init("key", .string(Base64.encode(k))), .init("value", .string(Base64.encode(v)))]
            if lease != 0 { m.append(.init("lease", .string(String(lease)))) }
            return .obj(["requestPut": .object(m)])
        case .delete(let k):
            return .obj(["requestDeleteRange": .obj(["key": .string(Base64.encode(k))])])
        case .deletePrefix(let p):
            return .obj(["requestDeleteRange": range(p, prefix: true)])
        case .get(let k):
            return .obj(["requestRange": range(k, prefix: false)])
        }
    }

    // MARK: replies

    static func parseRange(_ body: [UInt8]) throws(ClusterStoreError) -> ClusterRange {
        let v = try document(body)
        return ClusterRange(kvs: try kvs(v["kvs"]), revision: try revision(v))
    }

    static func parseTxn(_ body: [UInt8]) throws(ClusterStoreError) -> ClusterTxnResult {
        let v = try document(body)
        var ranges: [[ClusterKV]] = []
        for r in v["responses"]?.arrayValue ?? [] {
            if let rr = r["response_range"] { ranges.append(try kvs(rr["kvs"])) }
        }
        return ClusterTxnResult(succeeded: v["succeeded"]?.boolValue ?? false, revision: try revision(v), ranges: ranges)
    }

    static func parseGrant(_ body: [UInt8]) throws(ClusterStoreError) -> ClusterLease {
        let v = try document(body)
        if let e = v["error"]?.stringValue, !e.isEmpty { throw .server(status: 200, message: e) }
        guard let id = int(v["ID"]), let ttl = int(v["TTL"]) else { throw .malformed("lease grant without ID and TTL") }
        return ClusterLease(id: id, ttl: Int(ttl))
    }

    /// The seconds left on the lease; a lease that is gone has no (or a zero or negative) TTL.
    static func parseKeepAlive(_ body: [UInt8]) throws(ClusterStoreError) -> Int {
        // The gateway streams keepalive replies: one `{"result": …}` per line, here just one.
        let line = body.split(separator: UInt8(ascii: "\n")).first.map(Array.init) ?? []
        let v = try document(line)
        if let err = v["error"] { throw .server(status: 200, message: err["message"]?.stringValue ?? err.rendered()) }
        return max(0, Int(int(v["result"]?["TTL"]) ?? 0))
    }

    /// One line of a watch stream: the events it carries (none for the created notice).
    static func parseWatchLine(_ line: [UInt8]) throws(ClusterStoreError) -> [ClusterEvent] {
        let v = try document(line)
        if let err = v["error"] { throw .server(status: 200, message: err["message"]?.stringValue ?? err.rendered()) }
        guard let result = v["result"] else { throw .malformed("watch line without result") }
        if let c = int(result["compact_revision"]), c > 0 { throw .compacted(revision: c) }
        if result["canceled"]?.boolValue == true {
            throw .server(status: 200, message: "watch canceled: \(result["cancel_reason"]?.stringValue ?? "no reason given")")
        }
        var events: [ClusterEvent] = []
        for e in result["events"]?.arrayValue ?? [] {
            guard let kv = try kv(e["kv"]) else { throw .malformed("watch event without kv") }
            let kind: ClusterEvent.Kind = e["type"]?.stringValue == "DELETE" ? .delete : .put
            events.append(ClusterEvent(kind: kind, kv: kv, previous: try self.kv(e["prev_kv"])))
        }
        return events
    }

    /// The message of an error reply (`{"error": …, "message": …, "code": …}`).
    static func errorMessage(_ body: [UInt8]) -> String {
        guard let v = try? JSONParser.parse(body) else { return String(decoding: body.prefix(200), as: UTF8.self) }
        return v["message"]?.stringValue ?? v["error"]?.stringValue ?? v.rendered()
    }

    private static func document(_ body: [UInt8]) throws(ClusterStoreError) -> JSONValue {
        do { return try JSONParser.parse(body) } catch { throw .malformed(error.description) }
    }

    private static func revision(_ v: JSONValue) throws(ClusterStoreError) -> Int64 {
        guard let r = int(v["header"]?["revision"]) else { throw .malformed("reply without header.revision") }
        return r
    }

    private static func kvs(_ v: JSONValue?) throws(ClusterStoreError) -> [ClusterKV] {
        var out: [ClusterKV] = []
        for item in v?.arrayValue ?? [] {
            if let kv = try kv(item) { out.append(kv) }
        }
        return out
    }

    private static func kv(_ v: JSONValue?) throws(ClusterStoreError) -> ClusterKV? {
        guard let v, v.members != nil else { return nil }
        guard let k = v["key"]?.stringValue, let key = Base64.decode(k) else { throw .malformed("key that is not base64") }
        let value: [UInt8]
        if let s = v["value"]?.stringValue {
            guard let b = Base64.decode(s) else { throw .malformed("value that is not base64") }
            value = b
        } else {
            value = []
        }
        return ClusterKV(key: String(decoding: key, as: UTF8.self), value: value,
                         createRevision: int(v["create_revision"]) ?? 0, modRevision: int(v["mod_revision"]) ?? 0,
                         lease: int(v["lease"]) ?? 0)
    }

    /// A 64-bit integer as the gateway writes it: a string, or a number from other encoders.
    private static func int(_ v: JSONValue?) -> Int64? {
        switch v {
        case .string(let s)?: Int64(s)
        case .int(let i)?: i
        default: nil
        }
    }
}
