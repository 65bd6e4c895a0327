#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthNetlink
import BerthStore
import Logging

/// The kernel side of overlay networks on this host, as libnetwork lays it out: per network a
/// namespace of its own (`<directory>/<12 hex of the id>`) holding a bridge `br0` and the VXLAN
/// device `vx-<12>` as its port. The VXLAN device is made in the daemon's namespace and moved
/// in, so its UDP socket stays on the underlay while its frames are bridged where neither the
/// host's routes nor its firewall see them (and two overlay networks may share a subnet).
///
/// Remote endpoints are programmed on the VXLAN device as permanent neighbour (address → MAC,
/// answered by its proxy ARP) and FDB entries (MAC → the remote host's underlay address): no
/// learning, no flooding, no misses. `setPeers` takes the whole wanted set of a network; entries
/// are replaced where they changed and deleted only when what is programmed is what went away.
public actor OverlayFabric {
    /// One network's namespace on this host.
    struct Plane {
        let handle: SandboxHandle
        let vxlan: String
        /// What is programmed: neighbour entries by address, FDB entries by MAC.
        var neighbours: [IPAddress: MACAddress] = [:]
        var forwarding: [MACAddress: IPAddress] = [:]
    }

    public static let bridge = "br0"
    /// The UDP port VXLAN frames go to (IANA's, as dockerd's `--data-path-port` default).
    public static let defaultPort = 4789

    private let netlink: any RouteNetlink
    private let sandboxes: (any SandboxProvider)?
    private let directory: String
    nonisolated let logger: Logger
    /// This host's underlay (VTEP) address, `--cluster-advertise`; nil outside a cluster.
    private var local: IPAddress?
    private let port: Int
    private var planes: [String: Plane] = [:]
    /// The remote endpoints each network should reach, kept also for networks without a plane
    /// here yet (programmed when the first local container joins).
    private var wanted: [String: [OverlayPeer]] = [:]
    private var underlayMTU: Int?
    private var lost: Set<String> = []
    private var making: [String: Task<SandboxHandle, any Error>] = [:]
    /// Networks whose entries are being programmed, and those to program again after that.
    private var programming: Set<String> = []
    private var dirty: Set<String> = []

    public init(netlink: any RouteNetlink, sandboxes: (any SandboxProvider)?, directory: String, logger: Logger,
                local: IPAddress? = nil, port: Int = OverlayFabric.defaultPort) {
        self.netlink = netlink
        self.sandboxes = sandboxes
        self.directory = directory
        self.logger = logger
        self.local = local
        self.port = port
    }

    /// Sets this host's underlay address (known once `--cluster-advertise` is resolved).
    public func setLocal(_ address: IPAddress?) { local = address }

    static func short(_ id: String) -> String { String(id.prefix(12)) }
    func path(_ id: String) -> String { directory + "/" + Self.short(id) }

    /// The namespace handle of a network's plane, made now if this host has none (joins that
    /// race for it share one making).
    func plane(for network: Network) async throws -> SandboxHandle {
        if let p = planes[network.id] { return p.handle }
        if let t = making[network.id] { return try await t.value }
        let t = Task { try await self.makePlane(network) }
        making[network.id] = t
        defer { making[network.id] = nil }
        return try await t.value
    }

    private func makePlane(_ network: Network) async throws -> SandboxHandle {
        guard let sandboxes else { throw BerthError.internalError("this daemon was started without sandbox support") }
        guard case .v4(let v4)? = local else {
            throw BerthError(.unavailable, "cannot attach to overlay network \(network.name): this host has no IPv4 underlay address; start berthd with --cluster-store and --cluster-advertise")
        }
        guard let vni = OverlayDriver.vni(of: network.record) else {
            throw BerthError.internalError("overlay network \(network.name) has no VXLAN id")
        }
        let key = path(network.id)
        try? await sandboxes.remove(key)  // a leftover of a plane that never finished
        try await sandboxes.create(key)
        let handle: SandboxHandle
        do {
            handle = try await sandboxes.open(key)
        } catch {
            try? await sandboxes.remove(key)
            throw error
        }
        do {
            let mtu = try await mtu(for: network)
            try await handle.netlink.createBridge(name: Self.bridge, mtu: mtu, alias: nil)
            let vx = try await makeVXLAN(network, vni: vni, local: v4, mtu: mtu, into: handle)
            try await handle.netlink.setLinkUp(name: Self.bridge)
            planes[network.id] = Plane(handle: handle, vxlan: vx)
            logger.debug("overlay plane made", metadata: ["network": "\(network.name)", "vni": "\(vni)"])
        } catch {
            handle.close()
            try? await sandboxes.remove(key)
            throw error
        }
        await program(network.id)
        return handle
    }

    /// `vx-<12>` in the daemon's namespace (its socket on the underlay), then moved into the
    /// plane, as the bridge's port, up.
    private func makeVXLAN(_ network: Network, vni: Int, local: IPv4Address, mtu: Int, into handle: SandboxHandle) async throws -> String {
        let vx = "vx-" + Self.short(network.id)
        try? await netlink.deleteLink(name: vx)  // left in the daemon's namespace by a crash
        try await netlink.createVXLAN(name: vx, vni: vni, local: local, port: port, mtu: mtu)
        do {
            try await netlink.setNamespace(name: vx, fd: handle.namespaceFD)
        } catch {
            try? await netlink.deleteLink(name: vx)
            throw error
        }
        try await handle.netlink.setMaster(name: vx, master: Self.bridge)
        try await handle.netlink.setLinkUp(name: vx)
        return vx
    }

    /// The network's MTU: its option, else the underlay's less VXLAN's 50 bytes.
    func mtu(for network: Network) async throws -> Int {
        if let mtu = network.mtu { return mtu }
        if underlayMTU == nil, let local {
            for link in try await netlink.links() where try await netlink.addresses(link: link.name).contains(where: { $0.address == local }) {
                underlayMTU = link.mtu
                break
            }
        }
        return (underlayMTU ?? 1500) - 50
    }

    /// Removes a network's plane and everything in it (its ports' veths go with the namespace).
    public func removePlane(_ id: String) async {
        wanted[id] = nil
        guard let p = planes.removeValue(forKey: id) else {
            try? await sandboxes?.remove(path(id))
            return
        }
        // The VXLAN device's socket lives in the daemon's namespace: delete it explicitly so the
        // plane does not linger until the last reference to it goes.
        try? await p.handle.netlink.deleteLink(name: p.vxlan)
        p.handle.close()
        try? await sandboxes?.remove(path(id))
    }

    /// At daemon start: takes back the planes of `networks` left by the last run (their
    /// containers' veths are in them) with a fresh VXLAN device, so no entry of a peer that went
    /// away meanwhile survives; the store's watch programs the current ones. Removes the planes
    /// of networks this host no longer knows.
    public func reconcile(_ networks: [Network]) async {
        guard let sandboxes else { return }
        let byShort = Dictionary(networks.map { (Self.short($0.id), $0) }, uniquingKeysWith: { a, _ in a })
        for name in sandboxes.list(in: directory) {
            guard let network = byShort[name] else {
                try? await sandboxes.remove(directory + "/" + name)
                continue
            }
            guard planes[network.id] == nil else { continue }
            let handle: SandboxHandle
            do {
                handle = try await sandboxes.open(directory + "/" + name)
            } catch {
                // Its pin went with the last daemon's mount namespace (berthd run under
                // `ip netns exec`): the plane is made again and its containers re-plumbed.
                try? await sandboxes.remove(directory + "/" + name)
                lost.insert(network.id)
                continue
            }
            do {
                guard case .v4(let v4)? = local, let vni = OverlayDriver.vni(of: network.record) else {
                    handle.close()
                    try? await sandboxes.remove(directory + "/" + name)
                    continue
                }
                let vx = "vx-" + name
                try? await handle.netlink.deleteLink(name: vx)
                if try await handle.netlink.link(named: Self.bridge) == nil {
                    try await handle.netlink.createBridge(name: Self.bridge, mtu: try await mtu(for: network), alias: nil)
                    try await handle.netlink.setLinkUp(name: Self.bridge)
                }
                _ = try await makeVXLAN(network, vni: vni, local: v4, mtu: try await mtu(for: network), into: handle)
                planes[network.id] = Plane(handle: handle, vxlan: vx)
                await program(network.id)
            } catch {
                handle.close()
                try? await sandboxes.remove(directory + "/" + name)
                lost.insert(network.id)
                logger.warning("cannot restore the plane of overlay network \(network.name): \(error); making it again")
            }
        }
    }

    /// Whether this host has a plane for the network.
    public func hasPlane(_ id: String) -> Bool { planes[id] != nil }

    /// Whether the network's plane was lost since the last run (its containers' interfaces lead
    /// nowhere and must be made again); answers true once.
    public func takeLost(_ id: String) -> Bool { lost.remove(id) != nil }

    /// Opens a container's sandbox (re-plumbing after a lost plane).
    func openSandbox(_ key: String) async throws -> SandboxHandle {
        guard let sandboxes else { throw BerthError.internalError("this daemon was started without sandbox support") }
        return try await sandboxes.open(key)
    }

    /// The remote endpoints `id` should reach now; programmed at once where the plane exists.
    public func setPeers(_ id: String, _ peers: [OverlayPeer]) async {
        wanted[id] = peers
        await program(id)
    }

    /// Brings a plane's entries to the wanted set: replaces what is new or changed, deletes what
    /// is programmed and no longer wanted.
    private func program(_ id: String) async {
        guard programming.insert(id).inserted else {
            dirty.insert(id)
            return
        }
        defer { programming.remove(id) }
        repeat {
            dirty.remove(id)
            await programOnce(id)
        } while dirty.contains(id)
    }

    private func programOnce(_ id: String) async {
        guard var p = planes[id] else { return }
        var neighbours: [IPAddress: MACAddress] = [:]
        var forwarding: [MACAddress: IPAddress] = [:]
        for peer in wanted[id] ?? [] {
            guard let mac = peer.mac, let underlay = peer.underlay else { continue }
            forwarding[mac] = underlay
            for ip in peer.addresses { neighbours[ip] = mac }
        }
        let nl = p.handle.netlink
        for ip in p.neighbours.keys where neighbours[ip] == nil {
            do { try await nl.deleteNeighbour(ip, link: p.vxlan) } catch { logger.debug("overlay: deleting neighbour \(ip): \(error)") }
            p.neighbours[ip] = nil
        }
        for (mac, dst) in p.forwarding where forwarding[mac] != dst {
            do { try await nl.deleteForwarding(mac: mac, destination: dst, link: p.vxlan) } catch { logger.debug("overlay: deleting FDB \(mac): \(error)") }
            p.forwarding[mac] = nil
        }
        for (mac, dst) in forwarding where p.forwarding[mac] != dst {
            do {
                try await nl.replaceForwarding(mac: mac, destination: dst, link: p.vxlan)
                p.forwarding[mac] = dst
            } catch {
                logger.warning("overlay: cannot program FDB entry \(mac) → \(dst): \(error)")
            }
        }
        for (ip, mac) in neighbours where p.neighbours[ip] != mac {
            do {
                try await nl.replaceNeighbour(ip, mac: mac, link: p.vxlan)
                p.neighbours[ip] = mac
            } catch {
                logger.warning("overlay: cannot program neighbour \(ip) → \(mac): \(error)")
            }
        }
        if planes[id] != nil { planes[id] = p }
    }
}
