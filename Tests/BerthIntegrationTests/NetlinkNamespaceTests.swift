import BerthCore
import BerthNetlink
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Container endpoint plumbing against the real kernel, the way libnetwork wires a sandbox:
/// a namespace pinned at a file, a veth whose peer is born inside it, and the peer configured
/// through a netlink socket bound to that namespace. Every test works in brand-new namespaces
/// and a fresh temporary directory; `defer` unpins and removes everything, LIFO, even when an
/// expectation throws. The machine's own namespace is only read, to check nothing leaked.
@Suite(
    "Network namespaces and endpoints against the kernel", .serialized,
    .enabled(if: getuid() == 0, "needs root to create network namespaces"))
struct NetlinkNamespaceTests {
    /// A random prefix for every link a test creates, e.g. `bn-3fa9c1`.
    private let prefix = "bn-" + String(UInt32.random(in: 0x10_0000..<0x100_0000), radix: 16)

    /// A `RouteNetlink` whose socket lives in a new namespace standing in for the host's.
    private func isolatedHost() async throws -> LinuxRouteNetlink {
        let socket = try await NamespaceThread.run(network: .new) { try LinuxNetlinkSocket() }
        return LinuxRouteNetlink(socket: socket)
    }

    /// A new directory under /tmp; the caller removes it.
    private static func makeTemporaryDirectory() throws -> String {
        var template = Array("/tmp/berth-netns-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else { throw TestFailure("mkdtemp failed, errno \(errno)") }
        return String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Whether `path` is a mount point of an nsfs file, per /proc/self/mountinfo.
    private static func isPinned(_ path: String) throws -> Bool {
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        return mounts.split(separator: "\n").contains { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && fields[4] == path && line.contains(" - nsfs ")
        }
    }

    /// The identity of the namespace open at `fd`: its nsfs inode (what `net:[...]` shows).
    private static func namespaceInode(fd: Int32) -> UInt? {
        var status = stat()
        return fstat(fd, &status) == 0 ? UInt(status.st_ino) : nil
    }

    /// Fails the test if any link with this test's prefix shows up in the machine's namespace.
    private func expectHostUntouched() async throws {
        let leaked = try await LinuxRouteNetlink().links().filter { $0.name.hasPrefix(prefix) }
        #expect(leaked.isEmpty, "links leaked into the host namespace: \(leaked.map(\.name))")
    }

    @Test("namespace files: create (with parent directories), open, pin survives, remove, errors")
    func namespaceFileLifecycle() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { rmdir(directory) }
        let parent = directory + "/run/netns"
        defer { rmdir(parent); rmdir(directory + "/run") }
        let path = parent + "/" + prefix
        try await NetworkNamespace.create(at: path)
        defer { try? NetworkNamespace.remove(at: path) }

        #expect(try Self.isPinned(path))
        await #expect(throws: NetworkNamespace.Error.alreadyExists(path: path)) {
            try await NetworkNamespace.create(at: path)
        }
        let fd = try NetworkNamespace.open(path)
        defer { close(fd) }
        let hostFD = try NetworkNamespace.open("/proc/self/ns/net")
        defer { close(hostFD) }
        #expect(Self.namespaceInode(fd: fd) != nil)
        #expect(Self.namespaceInode(fd: fd) != Self.namespaceInode(fd: hostFD))

        // A fresh namespace holds only lo, down; the socket pins it on its own.
        let inside = try await LinuxRouteNetlink(namespacePath: path)
        let links = try await inside.links()
        #expect(links.map(\.name) == ["lo"])
        #expect(links.first?.isUp == false)

        try NetworkNamespace.remove(at: path)
        #expect(try !Self.isPinned(path))
        #expect(access(path, F_OK) != 0)
        try NetworkNamespace.remove(at: path)  // already gone: fine
        #expect(try await inside.links().map(\.name) == ["lo"])  // still reachable through the socket

        #expect(throws: NetworkNamespace.Error.system(call: "open", path: path, errno: ENOENT)) {
            try NetworkNamespace.open(path)
        }
        // A plain file (what a crash between creating and mounting leaves) is not a namespace.
        let stale = parent + "/stale"
        let staleFD = open(stale, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
        close(staleFD)
        defer { unlink(stale) }
        #expect(throws: NetworkNamespace.Error.notANamespace(path: stale)) { try NetworkNamespace.open(stale) }
        await #expect(throws: NetworkNamespace.Error.self) { try await LinuxRouteNetlink(namespacePath: stale) }
        try NetworkNamespace.remove(at: stale)
        #expect(access(stale, F_OK) != 0)
    }

    @Test("a container endpoint: veth peer born in the sandbox, renamed eth0, MAC, addresses, routes")
    func containerEndpoint() async throws {
        let directory = try Self.makeTemporaryDirectory()
        defer { rmdir(directory) }
        let path = directory + "/" + prefix
        try await NetworkNamespace.create(at: path)
        defer { try? NetworkNamespace.remove(at: path) }
        let sandboxFD = try NetworkNamespace.open(path)
        defer { close(sandboxFD) }

        let host = try await isolatedHost()
        let bridge = prefix
        let hostEnd = prefix + "-h"
        let peer = prefix + "-c"
        try await host.createBridge(name: bridge, mtu: 1450, alias: "berth")
        try await host.setLinkUp(name: bridge)
        try await host.addAddress(try #require(CIDR("172.17.0.1/16")), link: bridge)
        try await host.addAddress(try #require(CIDR("fd00:17::1/64")), link: bridge)

        try await host.createVeth(name: hostEnd, peerName: peer, peerNamespaceFD: sandboxFD, mtu: 1450)
        #expect(try await host.link(named: peer) == nil, "the container end must never appear on the host")
        try await host.setMaster(name: hostEnd, master: bridge)
        try await host.setLinkUp(name: hostEnd)

        let sandbox = try await LinuxRouteNetlink(namespacePath: path)
        let born = try #require(try await sandbox.link(named: peer))
        #expect(born.kind == "veth" && born.mtu == 1450 && !born.isUp)

        let mac = try #require(MACAddress("02:42:ac:11:00:02"))
        let v4 = try #require(CIDR("172.17.0.2/16"))
        let v6 = try #require(CIDR("fd00:17::2/64"))
        let gateway4 = try #require(IPAddress("172.17.0.1"))
        let gateway6 = try #require(IPAddress("fd00:17::1"))
        try await sandbox.rename(name: peer, to: "eth0")
        try await sandbox.setMAC(name: "eth0", mac: mac)
        try await sandbox.addAddress(v4, link: "eth0")
        try await sandbox.addAddress(v6, link: "eth0")
        try await sandbox.setLinkUp(name: "lo")
        try await sandbox.setLinkUp(name: "eth0")
        try await sandbox.addRoute(destination: nil, gateway: gateway4, link: "eth0")
        try await sandbox.addRoute(destination: nil, gateway: gateway6, link: "eth0")
        try await sandbox.addRoute(destination: nil, gateway: gateway4, link: "eth0")  // idempotent
        // Another default route in the same slot is a conflict, not success.
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: EEXIST)) {
            try await sandbox.addRoute(destination: nil, gateway: IPAddress("172.17.0.3"), link: "eth0")
        }

        let eth0 = try #require(try await sandbox.link(named: "eth0"))
        #expect(eth0.mac == mac && eth0.isUp)
        #expect(try await sandbox.links().map(\.name).sorted() == ["eth0", "lo"])
        #expect(try await sandbox.addresses(link: "eth0").filter { !$0.description.hasPrefix("fe80:") } == [v4, v6])

        let routes = try await sandbox.routes(link: "eth0")
        #expect(routes.contains(RouteInfo(family: .v4, gateway: gateway4, outputIndex: eth0.index)))
        #expect(routes.contains(RouteInfo(family: .v4, destination: CIDR("172.17.0.0/16"), outputIndex: eth0.index)))
        #expect(routes.contains(RouteInfo(family: .v6, gateway: gateway6, outputIndex: eth0.index, metric: 1024)))
        #expect(routes.allSatisfy { $0.outputIndex == eth0.index && $0.table == RouteInfo.mainTable })
        #expect(routes.first?.family == .v4)

        // What iproute2 sees inside the sandbox.
        let shown = try Shell.must("/usr/bin/nsenter", ["--net=" + path, "ip", "route", "show", "default"])
        #expect(shown.contains("default via 172.17.0.1 dev eth0"))
        let link = try Shell.must("/usr/bin/nsenter", ["--net=" + path, "ip", "-o", "link", "show", "eth0"])
        #expect(link.contains("link/ether 02:42:ac:11:00:02"))
        #expect(link.contains("master") == false)

        // Routes in a table past 255 travel in RTA_TABLE and stay out of the main table.
        let other = try #require(CIDR("10.9.0.0/16"))
        try await sandbox.addRoute(destination: other, gateway: gateway4, link: "eth0", table: 1000, metric: 50)
        let table = try Shell.must("/usr/bin/nsenter", ["--net=" + path, "ip", "route", "show", "table", "1000"])
        #expect(table.contains("10.9.0.0/16 via 172.17.0.1 dev eth0") && table.contains("metric 50"))
        #expect(try await sandbox.routes().contains { $0.destination == other } == false)
        try await sandbox.deleteRoute(destination: other, gateway: nil, link: "eth0", table: 1000, metric: nil)

        try await sandbox.deleteRoute(destination: nil, gateway: gateway4, link: "eth0")
        #expect(try await sandbox.routes().contains { $0.family == .v4 && $0.isDefault } == false)
        await #expect(throws: NetlinkError.kernel(operation: "RTM_DELROUTE", errno: ESRCH)) {
            try await sandbox.deleteRoute(destination: nil, gateway: gateway4, link: "eth0")
        }

        // Deleting the host end takes the container end along.
        try await host.deleteLink(name: hostEnd)
        #expect(try await sandbox.link(named: "eth0") == nil)
        try await expectHostUntouched()
    }

    @Test("macvlan children born in a sandbox on a parent that is down; ipvlan and vlan where the kernel has them")
    func childLinks() async throws {
        let host = try await isolatedHost()
        let sandboxFD = try await NamespaceThread.run(network: .new) { try NetworkNamespace.open("/proc/thread-self/ns/net") }
        defer { close(sandboxFD) }
        let sandbox = try await LinuxRouteNetlink(namespaceFD: sandboxFD)
        // The "LAN" port: one end of a veth, left down (no carrier), as moby's TestParentDown.
        let parent = prefix + "-p"
        try await host.createVeth(name: parent, peerName: prefix + "-q", mtu: 1400)
        let mac = try #require(MACAddress("02:42:0a:0b:00:02"))
        try await host.createChild(name: "eth0", parent: parent, kind: .macvlan(.bridge), namespaceFD: sandboxFD, mac: mac)
        let child = try #require(try await sandbox.link(named: "eth0"))
        #expect(child.kind == "macvlan" && child.mtu == 1400 && child.mac == mac)
        #expect(try await host.link(named: "eth0") == nil)
        try await sandbox.setLinkUp(name: "eth0")
        try await sandbox.addAddress(try #require(CIDR("10.11.0.2/24")), link: "eth0")
        try await sandbox.addRoute(destination: nil, gateway: IPAddress("10.11.0.1"), link: "eth0")
        #expect(try await sandbox.routes(link: "eth0").contains { $0.isDefault })
        try await host.createChild(name: "eth1", parent: parent, kind: .macvlan(.private), namespaceFD: sandboxFD, mac: nil)
        #expect(try await sandbox.link(named: "eth1")?.kind == "macvlan")
        await #expect(throws: NetlinkError.kernel(operation: "RTM_GETLINK", errno: ENODEV)) {
            try await host.createChild(name: "eth2", parent: prefix + "-none", kind: .macvlan(.bridge), namespaceFD: sandboxFD, mac: nil)
        }
        // This machine's kernel has no ipvlan or 8021q: the refusal must be the kernel's plain
        // "not supported", which the drivers turn into a message naming the missing support.
        for kind in [ChildLinkKind.ipvlan(.l2, .bridge), .vlan(id: 10)] {
            do {
                try await host.createChild(name: prefix + "-k", parent: parent, kind: kind, namespaceFD: nil, mac: nil)
                print("kernel has \(kind.kind) links")
                try await host.deleteLink(name: prefix + "-k")
            } catch let e as NetlinkError where e.errno == EOPNOTSUPP {
                print("kernel has no \(kind.kind) links: RTM_NEWLINK answers EOPNOTSUPP")
            }
        }
        try await expectHostUntouched()
    }

    @Test("a namespace by fd: the fd may be closed once the socket is open; bad peers fail cleanly")
    func namespaceByFD() async throws {
        let fd = try await NamespaceThread.run(network: .new) { try NetworkNamespace.open("/proc/thread-self/ns/net") }
        let sandbox: LinuxRouteNetlink
        do {
            defer { close(fd) }
            sandbox = try await LinuxRouteNetlink(namespaceFD: fd)
        }
        #expect(try await sandbox.links().map(\.name) == ["lo"])

        // Peer names only need to be free where the peer is born; "lo" is taken over there.
        let host = try await isolatedHost()
        let sandboxFD = try await NamespaceThread.run(network: .new) { try NetworkNamespace.open("/proc/thread-self/ns/net") }
        defer { close(sandboxFD) }
        try await host.createVeth(name: prefix, peerName: prefix, peerNamespaceFD: sandboxFD, mtu: nil)
        #expect(try await host.link(named: prefix)?.kind == "veth")
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST)) {
            try await host.createVeth(name: prefix + "-x", peerName: "lo", peerNamespaceFD: sandboxFD, mtu: nil)
        }
        #expect(try await host.link(named: prefix + "-x") == nil)
        await #expect(throws: NetlinkError.self) {
            try await host.createVeth(name: prefix + "-y", peerName: prefix + "-z", peerNamespaceFD: -1, mtu: nil)
        }
        // The fd of something that is not a namespace: the kernel refuses it.
        let notNamespace = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(notNamespace) }
        await #expect(throws: NetlinkError.self) {
            try await host.createVeth(name: prefix + "-y", peerName: prefix + "-z", peerNamespaceFD: notNamespace, mtu: nil)
        }
        await #expect(throws: NamespaceThread.Error.self) {
            try await LinuxRouteNetlink(namespaceFD: notNamespace)
        }
        // Both ends here, as before.
        try await host.createVeth(name: prefix + "-a", peerName: prefix + "-b", mtu: nil)
        #expect(try await host.link(named: prefix + "-b") != nil)
        try await expectHostUntouched()
    }

    @Test("link changes: down, rename while down, MAC refused when multicast, routes need an up link")
    func linkChanges() async throws {
        let host = try await isolatedHost()
        let name = prefix
        try await host.createVeth(name: name, peerName: name + "-p", mtu: nil)
        try await host.setLinkUp(name: name)
        try await host.setLinkDown(name: name)
        #expect(try await host.link(named: name)?.isUp == false)
        try await host.rename(name: name, to: name + "-r")
        #expect(try await host.link(named: name) == nil)
        let renamed = try #require(try await host.link(named: name + "-r"))
        await #expect(throws: NetlinkError.kernel(operation: "RTM_SETLINK", errno: EEXIST)) {
            try await host.rename(name: name + "-r", to: name + "-p")
        }
        await #expect(throws: NetlinkError.kernel(operation: "RTM_GETLINK", errno: ENODEV)) {
            try await host.rename(name: name, to: name + "-q")
        }
        let multicast = try #require(MACAddress("01:00:5e:00:00:01"))
        await #expect(throws: NetlinkError.self) { try await host.setMAC(name: name + "-r", mac: multicast) }
        #expect(try await host.link(named: name + "-r")?.mac == renamed.mac)

        // The kernel checks next hops: a down link, then a gateway off every prefix of the link.
        let gateway = try #require(IPAddress("10.0.0.1"))
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: ENETDOWN)) {
            try await host.addRoute(destination: CIDR("10.1.0.0/16"), gateway: nil, link: name + "-r")
        }
        try await host.setLinkUp(name: name + "-r")
        await #expect(throws: NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: ENETUNREACH)) {
            try await host.addRoute(destination: nil, gateway: gateway, link: name + "-r")
        }
        try await host.addRoute(destination: CIDR("10.1.0.0/16"), gateway: nil, link: name + "-r")
        #expect(try await host.routes(link: name + "-r").map(\.destination) == [CIDR("10.1.0.0/16")])
        // Going down flushes the link's routes.
        try await host.setLinkDown(name: name + "-r")
        #expect(try await host.routes(link: name + "-r").isEmpty)
        await #expect(throws: NetlinkError.kernel(operation: "RTM_GETLINK", errno: ENODEV)) {
            try await host.routes(link: name)
        }
        try await expectHostUntouched()
    }
}
