import BerthCore
import BerthNetlink
import BerthStore
import Foundation
import Logging
import NIOPosix
import Testing

@testable import BerthNetwork

/// Endpoint plumbing against the kernel, without containers: the controller runs in this
/// process with its netlink bound to a "host" namespace made for the test, and sandboxes are
/// namespace files made for the test. Nothing touches the machine's own namespace.
@Suite(.serialized, .enabled(if: getuid() == 0, "needs root"))
struct EndpointKernelTests {
    func inNamespace(_ path: String, _ args: String...) throws -> Shell.Result {
        try Shell.run("/usr/bin/nsenter", ["--net=" + path] + args)
    }

    @Test func sandboxesOnOneBridgeTalkAndLeaveNothingBehind() async throws {
        let dir = "/tmp/berth-ep-" + Identifier.random().prefix(6)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let hostNS = dir + "/host"
        let sandboxes = [dir + "/sb1", dir + "/sb2"]
        defer {
            for path in sandboxes + [hostNS] { try? NetworkNamespace.remove(at: path) }
            try? FileManager.default.removeItem(atPath: dir)
        }
        for path in [hostNS] + sandboxes { try await NetworkNamespace.create(at: path) }

        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        defer { pool.shutdownGracefully { _ in } }
        let host = try await LinuxRouteNetlink(namespacePath: hostNS, threadPool: pool)
        try await host.setLinkUp(name: "lo")
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let controller = NetworkController(
            store: MemoryStore(),
            drivers: [BridgeDriver(netlink: host, sysctls: LinuxSysctls(namespacePath: hostNS), logger: quiet), PassiveDriver(name: "host"), PassiveDriver(name: "null")],
            config: NetworkConfig(), logger: quiet, sandboxes: LinuxSandboxProvider(threadPool: pool))
        try await controller.start()
        _ = try await controller.create(NetworkCreateSpec(name: "alpine-net"))

        let e1 = try await controller.connect("alpine-net", EndpointRequest(containerID: String(repeating: "a", count: 64), containerName: "alpine1", sandboxKey: sandboxes[0]))
        let e2 = try await controller.connect("alpine-net", EndpointRequest(containerID: String(repeating: "b", count: 64), containerName: "alpine2", sandboxKey: sandboxes[1]))

        let addr = try inNamespace(sandboxes[0], "ip", "-o", "addr", "show", "dev", "eth0").out
        #expect(addr.contains("inet 172.18.0.2/16"), "\(addr)")
        #expect(try inNamespace(sandboxes[0], "ip", "-o", "link", "show", "eth0").out.contains("02:42:ac:12:00:02"))
        #expect(try inNamespace(sandboxes[0], "ip", "route").out.contains("default via 172.18.0.1 dev eth0"))
        #expect(try inNamespace(hostNS, "ip", "-o", "link", "show", "master", "br-" + (e1.networkID.prefix(12))).out.contains(e1.hostInterface))

        let ping = try inNamespace(sandboxes[0], "/bin/busybox", "ping", "-c", "1", "-w", "3", "-W", "2", "172.18.0.3")
        #expect(ping.code == 0, "\(ping.out)\(ping.err)")
        #expect(try inNamespace(sandboxes[1], "/bin/busybox", "ping", "-c", "1", "-w", "3", "-W", "2", "172.18.0.1").code == 0)

        try await controller.disconnect("alpine-net", containerID: e2.containerID)
        #expect(try inNamespace(sandboxes[1], "ip", "link", "show", "eth0").code != 0)
        #expect(try inNamespace(hostNS, "ip", "link", "show", e2.hostInterface).code != 0)
        let gone = try inNamespace(sandboxes[0], "/bin/busybox", "ping", "-c", "1", "-w", "2", "-W", "1", "172.18.0.3")
        #expect(gone.code != 0 && !gone.timedOut, "ping must fail by its own deadline, not hang")

        try await controller.disconnectAll(containerID: e1.containerID)
        try await controller.remove("alpine-net")
        let left = try inNamespace(hostNS, "ip", "-o", "link").out
        #expect(!left.contains("veth") && !left.contains("br-"), "\(left)")
    }
}
