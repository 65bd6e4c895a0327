import Foundation

/// Debian's etcd (`etcd-server`, 3.4) run by a test in a namespace of its own making, on
/// `address:2379` there, with its data under the test's root. Stopped (SIGKILL, as a crash)
/// and started again on the same data with `stop()`/`start()`; killed at `close()`.
final class EtcdServer {
    static let binary = "/usr/bin/etcd"
    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: binary) }

    let namespace: String
    let address: String
    let dataDir: String
    let logPath: String
    private var process: Process?

    /// The `--cluster-store` value that names it.
    var url: String { "etcd://\(address):2379" }

    init(namespace: String, address: String, root: String) throws {
        self.namespace = namespace
        self.address = address
        self.dataDir = root + "/etcd"
        self.logPath = root + "/etcd.log"
        try start()
    }

    /// Starts etcd and waits until it serves the v3 gateway.
    func start() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        let client = "http://\(address):2379"
        let peer = "http://127.0.0.1:2380"
        p.arguments = ["netns", "exec", namespace, Self.binary, "--name", "kv", "--data-dir", dataDir,
                       "--listen-client-urls", client, "--advertise-client-urls", client,
                       "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", "kv=\(peer)"]
        if !FileManager.default.fileExists(atPath: logPath) { _ = FileManager.default.createFile(atPath: logPath, contents: nil) }
        guard let log = FileHandle(forWritingAtPath: logPath) else { throw TestFailure("cannot open \(logPath)") }
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try Shell.launch(p)
        process = p
        for _ in 0..<100 {
            if let r = try? range("health-probe"), r.contains("header") { return }
            if !p.isRunning { throw TestFailure("etcd exited: \(self.log)") }
            usleep(100_000)
        }
        throw TestFailure("etcd did not answer within 10 s: \(log)")
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// Kills etcd (SIGKILL) and waits for it to go.
    func stop() {
        guard let p = process, p.isRunning else { return }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    func close() { stop() }

    /// A gateway call from inside etcd's namespace (curl), returning the reply body.
    func call(_ path: String, _ body: String) throws -> String {
        let r = try Shell.run("/usr/sbin/ip", ["netns", "exec", namespace, "curl", "-s", "-m", "5", "-X", "POST",
                                               "http://\(address):2379\(path)", "-d", body])
        guard r.code == 0 else { throw TestFailure("curl \(path) failed (\(r.code)): \(r.err)") }
        return r.out
    }

    /// The raw range reply for `key` (a prefix when `prefix`), keys given in plain text.
    func range(_ key: String, prefix: Bool = false) throws -> String {
        let k = Data(key.utf8).base64EncodedString()
        var body = #"{"key":"\#(k)""#
        if prefix {
            var end = Array(key.utf8)
            end[end.count - 1] += 1
            body += #","range_end":"\#(Data(end).base64EncodedString())""#
        }
        return try call("/v3/kv/range", body + "}")
    }

    /// The values under `prefix`, decoded, keyed by their full key.
    func values(prefix: String) throws -> [String: String] {
        let reply = try range(prefix, prefix: true)
        guard let json = try JSONSerialization.jsonObject(with: Data(reply.utf8)) as? [String: Any] else { return [:] }
        var out: [String: String] = [:]
        for kv in json["kvs"] as? [[String: Any]] ?? [] {
            guard let k = (kv["key"] as? String).flatMap({ Data(base64Encoded: $0) }) else { continue }
            let v = (kv["value"] as? String).flatMap { Data(base64Encoded: $0) } ?? Data()
            out[String(decoding: k, as: UTF8.self)] = String(decoding: v, as: UTF8.self)
        }
        return out
    }
}
