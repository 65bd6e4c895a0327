import BerthAPI
import BerthCore
import BerthPlugins
import Synchronization
import Testing

/// A scripted plugin: replies by method, every request recorded.
final class ScriptedPluginTransport: PluginTransport {
    let replies: Mutex<[String: Result<(Int, String), PluginTransportError>]>
    let log = Mutex<[String]>([])

    init(_ replies: [String: Result<(Int, String), PluginTransportError>]) { self.replies = Mutex(replies) }

    func post(_ address: PluginAddress, path: String, body: [UInt8], timeout: Duration) async throws(PluginTransportError) -> (status: Int, body: [UInt8]) {
        log.withLock { $0.append(path) }
        switch replies.withLock({ $0[path] }) ?? .success((404, "404 page not found")) {
        case .success(let (status, text)): return (status, Array(text.utf8))
        case .failure(let e): throw e
        }
    }

    func set(_ path: String, _ reply: Result<(Int, String), PluginTransportError>) { replies.withLock { $0[path] = reply } }
}

@Suite struct PluginProtocolTests {
    static func files(sockets: Set<String> = [], specs: [String: String] = [:]) -> PluginDiscovery.Files {
        .init(isSocket: { sockets.contains($0) }, read: { specs[$0].map { Array($0.utf8) } })
    }

    @Test func addressesParseAsDockerdReadsSpecFiles() throws {
        #expect(try PluginAddress.parse("unix:///run/p/x.sock\n") == .unix("/run/p/x.sock"))
        #expect(try PluginAddress.parse("tcp://10.0.0.5:8080") == .tcp(host: "10.0.0.5", port: 8080))
        #expect(throws: PluginError.badSpec("Unknown protocol: /run/x.sock")) { try PluginAddress.parse("/run/x.sock") }
        #expect(throws: PluginError.self) { try PluginAddress.parse("tcp://host") }
        #expect(throws: PluginError.self) { try PluginAddress.parse("ftp://h:1") }
        #expect(try PluginAddress.parseJSONSpec(Array(#"{"Name":"p","Addr":"tcp://127.0.0.1:9000"}"#.utf8)) == .tcp(host: "127.0.0.1", port: 9000))
        #expect(throws: PluginError.self) { try PluginAddress.parseJSONSpec(Array(#"{"Addr":"tcp://h:1","TLSConfig":{"CAFile":"/ca"}}"#.utf8)) }
    }

    @Test func discoveryPrefersSocketsThenSpecFilesAndExtraDirectoriesFirst() throws {
        let d = PluginDiscovery(extraDirectories: ["/t"], socketDirectories: ["/run/docker/plugins"], specDirectories: ["/etc/docker/plugins"],
                                files: Self.files(sockets: ["/run/docker/plugins/a.sock", "/run/docker/plugins/b/b.sock", "/t/c.sock"],
                                                  specs: ["/etc/docker/plugins/a.spec": "tcp://h:1", "/etc/docker/plugins/d/d.json": #"{"Addr":"unix:///x/d.sock"}"#,
                                                          "/etc/docker/plugins/e.spec": "e.sock"]))
        #expect(try d.locate("a") == .unix("/run/docker/plugins/a.sock"), "a socket before a spec file")
        #expect(try d.locate("b") == .unix("/run/docker/plugins/b/b.sock"))
        #expect(try d.locate("c") == .unix("/t/c.sock"))
        #expect(try d.locate("d") == .unix("/x/d.sock"))
        #expect(try d.locate("nope") == nil)
        #expect(try d.locate("../a") == nil, "a name never leaves the directories")
        #expect(throws: PluginError.badSpec("Unknown protocol: e.sock")) { try d.locate("e") }
    }

    func registry(_ t: ScriptedPluginTransport, startupWait: Duration = .milliseconds(300)) -> PluginRegistry {
        PluginRegistry(discovery: PluginDiscovery(socketDirectories: ["/p"], specDirectories: [], files: Self.files(sockets: ["/p/net.sock"])),
                       transport: t, timeout: .seconds(1), startupWait: startupWait)
    }

    @Test func activationHappensOnceAndUnknownNamesFailAtOnce() async throws {
        let t = ScriptedPluginTransport(["/Plugin.Activate": .success((200, #"{"Implements":["NetworkDriver"]}"#))])
        let r = registry(t)
        await #expect(throws: PluginError.notFound("ghost")) { try await r.plugin("ghost", implementing: "NetworkDriver") }
        #expect(t.log.withLock { $0.isEmpty }, "a name no directory has is never retried or called")
        _ = try await r.plugin("net", implementing: "NetworkDriver")
        _ = try await r.plugin("net", implementing: "NetworkDriver")
        #expect(t.log.withLock { $0 } == ["/Plugin.Activate"])
        await #expect(throws: PluginError.doesNotImplement(plugin: "net", subsystem: "IpamDriver")) { try await r.plugin("net", implementing: "IpamDriver") }
        #expect(PluginError.notFound("ghost").description == #"plugin "ghost" not found"#)
    }

    @Test func aStartingPluginGetsABoundedWait() async throws {
        let t = ScriptedPluginTransport(["/Plugin.Activate": .failure(.unreachable("connection refused"))])
        let r = registry(t)
        let clock = ContinuousClock(), start = clock.now
        await #expect(throws: PluginError.self) { try await r.plugin("net", implementing: "NetworkDriver") }
        let waited = clock.now - start
        #expect(waited >= .milliseconds(300) && waited < .seconds(10), "\(waited)")
        #expect(t.log.withLock { $0.count } >= 3, "retried while it starts")
    }

    @Test func repliesBecomeDockerdsErrors() async throws {
        let t = ScriptedPluginTransport([
            "/Plugin.Activate": .success((200, #"{"Implements":["NetworkDriver","IpamDriver"]}"#)),
            "/NetworkDriver.Join": .success((200, #"{"Err":"no room"}"#)),
            "/NetworkDriver.CreateNetwork": .success((500, #"{"Err":"boom"}"#)),
            "/NetworkDriver.Leave": .failure(.timeout),
            "/IpamDriver.RequestPool": .success((200, #"{"Error":"no pool left"}"#)),
            "/NetworkDriver.DeleteNetwork": .success((200, "")),
        ])
        let p = try await registry(t).plugin("net", implementing: "NetworkDriver")
        await #expect(throws: PluginError.remote("no room")) { try await p.call("NetworkDriver.Join") }
        await #expect(throws: PluginError.http(method: "NetworkDriver.CreateNetwork", status: 500, message: "boom")) { try await p.call("NetworkDriver.CreateNetwork") }
        do {
            _ = try await p.call("NetworkDriver.ProgramExternalConnectivity")
            Issue.record("a 404 is an error")
        } catch {
            #expect(error.isNotImplemented)
        }
        await #expect(throws: PluginError.timeout(plugin: "net", method: "NetworkDriver.Leave", seconds: 1)) { try await p.call("NetworkDriver.Leave") }
        #expect(PluginError.timeout(plugin: "net", method: "NetworkDriver.Leave", seconds: 1).description == "NetworkDriver.Leave: plugin net did not answer within 1 s")
        // IpamDriver replies carry `Error`, not `Err`.
        await #expect(throws: PluginError.remote("no pool left")) { try await p.call("IpamDriver.RequestPool", errorField: "Error") }
        #expect(try await p.call("NetworkDriver.DeleteNetwork") == .object([]), "an empty 200 is success")
        // As the API answers them.
        #expect(PluginError.notFound("x").berthError.code.httpStatus == 404)
        #expect(PluginError.timeout(plugin: "x", method: "m", seconds: 1).berthError.code.httpStatus == 503)
        #expect(PluginError.remote("no room").berthError == BerthError.internalError("remote: no room"))
    }
}
