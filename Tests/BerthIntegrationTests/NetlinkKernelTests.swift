import BerthCore
import BerthNetlink
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// rtnetlink against the real kernel. Every test works in brand-new network namespaces opened
/// through `NamespaceThread`, so the machine's own namespace is only ever read (to check it was
/// not touched). Cleanup needs no bookkeeping: a namespace and every link in it disappear when
/// the last socket opened in it closes, whether or not the test threw.
@Suite(
    "Netlink against the kernel", .serialized,
    .enabled(if: getuid() == 0, "needs root to create network namespaces"))
struct NetlinkKernelTests {
    /// A random prefix for every link a test creates, e.g. `bt-3fa9c1`.
    private let prefix = "bt-" + String(UInt32.random(in: 0..<0x100_0000), radix: 16).leftPadded(to: 6)

    /// A `RouteNetlink` whose socket lives in a new, empty network namespace.
    private func isolatedNetlink() async throws -> LinuxRouteNetlink {
        let socket = try await NamespaceThread.run(network: .new) { try LinuxNetlinkSocket() }
        return LinuxRouteNetlink(socket: socket)
    }

    /// An fd to the calling thread's network namespace, which keeps that namespace alive.
    private static func openNamespaceFD() throws -> Int32 {
        let fd = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw NetlinkError.system(call: "open(/proc/thread-self/ns/net)", errno: errno) }
        return fd
    }

    /// Fails the test if any link with this test's prefix shows up in the host namespace.
    private func expectHostUntouched() async throws {
        let host = try LinuxRouteNetlink()
        let leaked = try await host.links().filter { $0.name.hasPrefix(prefix) }
        #expect(leaked.isEmpty, "links leaked into the host namespace: \(leaked.map(\.name))")
    }

    @Test("bridge lifecycle: create, alias, MTU, up, addresses, veth port, list, delete, ENODEV")
    func bridgeLifecycle() async throws {
        let netlink = try await isolatedNetlink()
        let bridge = prefix
        let portA = prefix + "-a"
        let portB = prefix + "-b"

        // A new namespace holds only lo.
        #expect(try await netlink.links().map(\.name) == ["lo"])

        try await netlink.createBridge(name: bridge, mtu: nil, alias: nil)
        try await netlink.setAlias(name: bridge, alias: "berth:\(prefix)")
        try await netlink.setMTU(name: bridge, mtu: 1400)
        try await netlink.setLinkUp(name: bridge)
        let v4 = try #require(CIDR("10.99.0.1/24"))
        let v6 = try #require(CIDR("fd00::1/64"))
        try await netlink.addAddress(v4, link: bridge)
        try await netlink.addAddress(v6, link: bridge)
        try await netlink.addAddress(v4, link: bridge)  // EEXIST is success

        try await netlink.createVeth(name: portA, peerName: portB, mtu: 1500)
        try await netlink.setMaster(name: portA, master: bridge)

        let links = try await netlink.links()
        #expect(links.map(\.name).sorted() == ["lo", bridge, portA, portB].sorted())
        let bridgeLink = try #require(links.first { $0.name == bridge })
        #expect(bridgeLink.kind == "bridge")
        #expect(bridgeLink.alias == "berth:\(prefix)")
        // Set through RTM_SETLINK, the MTU survives enslaving a 1500-byte port.
        #expect(bridgeLink.mtu == 1400)
        #expect(bridgeLink.isUp)
        #expect(bridgeLink.mac != nil)
        let a = try #require(links.first { $0.name == portA })
        let b = try #require(links.first { $0.name == portB })
        #expect(a.kind == "veth" && b.kind == "veth")
        #expect(a.mtu == 1500 && b.mtu == 1500)
        #expect(a.masterIndex == bridgeLink.index)
        #expect(b.masterIndex == nil)
        // Carrier flags (IFF_RUNNING, IFF_LOWER_UP) follow the port asynchronously; compare the rest.
        var lookedUp = try #require(try await netlink.link(named: bridge))
        #expect(lookedUp.isUp)
        lookedUp.flags = bridgeLink.flags
        #expect(lookedUp == bridgeLink)

        let addresses = try await netlink.addresses(link: bridge)
        // The kernel adds an fe80::/64 link-local address of its own once the bridge is up.
        #expect(addresses.filter { !$0.description.hasPrefix("fe80:") } == [v4, v6])
        #expect(try await netlink.addresses(link: portA).filter { $0.family == .v4 }.isEmpty)

        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST)) {
            try await netlink.createBridge(name: bridge, mtu: nil, alias: nil)
        }

        // Deleting one veth end takes the other along; deleting the bridge removes its addresses.
        try await netlink.deleteLink(name: portB)
        #expect(try await netlink.link(named: portA) == nil)
        try await netlink.deleteLink(name: bridge)
        #expect(try await netlink.link(named: bridge) == nil)
        #expect(try await netlink.links().map(\.name) == ["lo"])

        await #expect(throws: NetlinkError.kernel(operation: "RTM_DELLINK", errno: ENODEV)) {
            try await netlink.deleteLink(name: bridge)
        }
        await #expect(throws: NetlinkError.kernel(operation: "RTM_SETLINK", errno: ENODEV)) {
            try await netlink.setLinkUp(name: bridge)
        }
        await #expect(throws: NetlinkError.kernel(operation: "RTM_GETLINK", errno: ENODEV)) {
            try await netlink.addresses(link: bridge)
        }
        let described = NetlinkError.kernel(operation: "RTM_DELLINK", errno: ENODEV).description
        #expect(described == "netlink: RTM_DELLINK failed, errno = ENODEV (No such device)")

        try await expectHostUntouched()
    }

    @Test("createBridge applies MTU and alias in one call; bad names never reach the kernel")
    func createBridgeWithOptions() async throws {
        let netlink = try await isolatedNetlink()
        try await netlink.createBridge(name: prefix, mtu: 1450, alias: "berth")
        let link = try #require(try await netlink.link(named: prefix))
        #expect(link.mtu == 1450)
        #expect(link.alias == "berth")
        #expect(!link.isUp)

        await #expect(throws: NetlinkError.self) {
            try await netlink.createBridge(name: prefix + "-much-too-long", mtu: nil, alias: nil)
        }
        // An MTU the bridge refuses fails, and the half-made bridge is removed again.
        await #expect(throws: NetlinkError.kernel(operation: "RTM_SETLINK", errno: EINVAL)) {
            try await netlink.createBridge(name: prefix + "-x", mtu: 10, alias: nil)
        }
        #expect(try await netlink.link(named: prefix + "-x") == nil)
        try await expectHostUntouched()
    }

    @Test("a veth end moves into another namespace by fd")
    func moveIntoNamespace() async throws {
        let netlink = try await isolatedNetlink()
        // A second namespace, held open by an fd to it.
        let fd = try await NamespaceThread.run(network: .new) { try Self.openNamespaceFD() }
        defer { close(fd) }
        try await netlink.createVeth(name: prefix + "-h", peerName: prefix + "-c", mtu: nil)
        try await netlink.setNamespace(name: prefix + "-c", fd: fd)
        #expect(try await netlink.link(named: prefix + "-c") == nil)
        #expect(try await netlink.link(named: prefix + "-h") != nil)

        let socket = try await NamespaceThread.run(network: .enter(fd: fd)) { try LinuxNetlinkSocket() }
        let container = LinuxRouteNetlink(socket: socket)
        let moved = try #require(try await container.link(named: prefix + "-c"))
        #expect(moved.kind == "veth")
        #expect(try await container.links().map(\.name).sorted() == [prefix + "-c", "lo"].sorted())
        try await expectHostUntouched()
    }

    @Test("concurrent calls on one LinuxRouteNetlink are serialised over its socket")
    func concurrentCalls() async throws {
        let netlink = try await isolatedNetlink()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<16 {
                group.addTask {
                    try await netlink.createBridge(name: "\(prefix)-\(i)", mtu: 1400, alias: "berth")
                    try await netlink.setLinkUp(name: "\(prefix)-\(i)")
                    _ = try await netlink.links()
                }
            }
            try await group.waitForAll()
        }
        let bridges = try await netlink.links().filter { $0.name.hasPrefix(prefix) }
        #expect(bridges.count == 16)
        #expect(bridges.allSatisfy { $0.isUp && $0.mtu == 1400 && $0.alias == "berth" })
    }

    @Test("dumps spanning many datagrams are read whole; two sockets get distinct port ids")
    func largeDumpAndPortIDs() async throws {
        let fd = try await NamespaceThread.run(network: .new) { try Self.openNamespaceFD() }
        defer { close(fd) }
        let first = try await NamespaceThread.run(network: .enter(fd: fd)) { try LinuxNetlinkSocket() }
        // A deliberately tiny buffer: every dump datagram is larger and must grow it, not be cut.
        let second = try await NamespaceThread.run(network: .enter(fd: fd)) { try LinuxNetlinkSocket(bufferSize: 256) }
        #expect(first.portID != second.portID)
        let netlink = LinuxRouteNetlink(socket: first)
        let other = LinuxRouteNetlink(socket: second)
        let pairs = 40
        for i in 0..<pairs {
            try await netlink.createVeth(name: "\(prefix)-\(i)a", peerName: "\(prefix)-\(i)b", mtu: nil)
        }
        let names = try await netlink.links().map(\.name)
        #expect(names.count == 1 + 2 * pairs)
        #expect(Set(names).count == names.count)
        // The second socket, bound in the same namespace, sees the same links through its small buffer.
        #expect(try await other.links().map(\.name) == names)
        try await expectHostUntouched()
    }
}

@Suite("NamespaceThread", .serialized, .enabled(if: getuid() == 0, "needs root to create network namespaces"))
struct NamespaceThreadTests {
    /// `net:[4026531840]`: the identity of the calling thread's network namespace.
    private static func currentNetworkNamespace() throws -> String {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self/ns/net", &buffer, buffer.count - 1)
        guard count > 0 else { throw NetlinkError.system(call: "readlink(/proc/thread-self/ns/net)", errno: errno) }
        return String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    @Test("the closure runs in a new namespace; the caller's threads stay where they were")
    func newNamespace() async throws {
        let before = try Self.currentNetworkNamespace()
        let inside = try await NamespaceThread.run(network: .new) { try Self.currentNetworkNamespace() }
        let current = try await NamespaceThread.run { try Self.currentNetworkNamespace() }
        #expect(inside != before)
        #expect(current == before)
        #expect(try Self.currentNetworkNamespace() == before)
    }

    @Test("failures to enter a namespace and errors from the closure reach the caller")
    func errorsPropagate() async throws {
        await #expect(throws: NamespaceThread.Error.setns(fd: -1, errno: EBADF)) {
            try await NamespaceThread.run(network: .enter(fd: -1)) { 0 }
        }
        await #expect(throws: NetlinkError.invalidArgument("from the closure")) {
            try await NamespaceThread.run { () throws -> Int in throw NetlinkError.invalidArgument("from the closure") }
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
