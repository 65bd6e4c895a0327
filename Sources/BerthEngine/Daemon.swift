#if canImport(Glibc)
import Glibc
#endif
import BerthCluster
import BerthContainers
import BerthCore
import BerthDHCP
import BerthDNS
import BerthFirewall
import BerthImage
import BerthNetlink
import BerthNetwork
import BerthPlugins
import BerthRuntime
import BerthStore
import Foundation
import Logging
import NIOPosix
import ServiceLifecycle

/// Builds berthd from its configuration and runs it until SIGTERM or SIGINT.
public struct Daemon {
    public let config: EngineConfig
    private var logger: Logger

    public init(config: EngineConfig) {
        self.config = config
        var l = Logger(label: "berthd")
        l.logLevel = config.debug ? .debug : .info
        logger = l
    }

    /// Prepares the roots and pid file, restores the networks, and serves the API.
    public func run() async throws {
        for dir in [config.dataRoot, config.dataRoot + "/tmp", config.execRoot, (config.socketPath as NSString).deletingLastPathComponent] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
            } catch {
                throw BerthError.internalError("cannot create \(dir): \(error)", cause: error)
            }
        }
        let pid = try PIDFile(path: config.pidFile)
        defer { pid.remove() }

        // Blocking kernel calls (netlink) run here, never on the cooperative pool.
        let threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        do {
            try await serve(threadPool: threadPool)
        } catch {
            try? await threadPool.shutdownGracefully()
            throw error
        }
        try? await threadPool.shutdownGracefully()
        try? FileManager.default.removeItem(atPath: config.socketPath)
        logger.info("berthd stopped")
    }

    private func serve(threadPool: NIOThreadPool) async throws {
        let store = try SQLiteStore(path: config.dataRoot + "/berth.db")
        let netlink = try LinuxRouteNetlink(threadPool: threadPool)
        let events = EventLog()
        let sandboxes = LinuxSandboxProvider(threadPool: threadPool)
        let advertised = try await config.cluster?.resolveAdvertise { name in
            try await netlink.link(named: name) == nil ? nil : try await netlink.addresses(link: name)
        }
        let fabric = OverlayFabric(netlink: netlink, sandboxes: sandboxes, directory: config.execRoot + "/overlay", logger: logger, local: advertised)
        let controller = NetworkController(
            store: store,
            drivers: [
                BridgeDriver(netlink: netlink, sysctls: LinuxSysctls(), logger: logger),
                ChildLinkDriver(.macvlan, netlink: netlink, sandboxes: sandboxes, logger: logger, dhcp: LinuxDHCPClient()),
                ChildLinkDriver(.ipvlan, netlink: netlink, sandboxes: sandboxes, logger: logger),
                OverlayDriver(fabric: fabric), PassiveDriver(name: "host"), PassiveDriver(name: "null"),
            ],
            config: config.network, logger: logger, sandboxes: sandboxes, events: events,
            firewall: config.firewall.map { HostFirewall(nft: LinuxNFTables(), sysctls: LinuxSysctls(), settings: $0, logger: logger) },
            portReserver: LinuxPortReserver())
        await controller.attachPlugins(PluginRegistry(
            discovery: PluginDiscovery(extraDirectories: config.pluginDirectories), timeout: .seconds(config.pluginTimeout)), netlink: netlink)
        try await controller.start()

        let daemonID: String
        if let id = try await store.setting("daemon-id") {
            daemonID = id
        } else {
            daemonID = Identifier.random()
            try await store.setSetting("daemon-id", daemonID)
        }

        let dns = EmbeddedDNS(firewall: LinuxNFTables(), group: MultiThreadedEventLoopGroup.singleton, logger: logger)
        var membership: ClusterMembership?
        if let advertised { membership = await joinCluster(daemonID: daemonID, advertised: advertised, controller: controller, records: dns.records) }

        let usage = ContainerImageUsage()
        let images = try await ImageStore.open(dataRoot: config.dataRoot, usage: usage)
        let paths = ContainerPaths(dataRoot: config.dataRoot, execRoot: config.execRoot)
        let runtime = ConmonRuncRuntime(configuration: .init(
            runcRoot: config.execRoot + "/runc", socketDirectory: config.execRoot + "/conmon"))
        let containers = ContainerService(
            store: store, images: images, rootfs: RootfsManager(dataRoot: config.dataRoot), runtime: runtime,
            network: controller, paths: paths, logger: logger, dns: dns, defaults: config.containerDefaults, events: events)
        usage.attach(containers)
        try await containers.restore()

        var router = Router()
        SystemHandlers(config: config, daemonID: daemonID, counts: {
            let all = await containers.list(all: true)
            let running = all.count { $0.status == .running }
            return (all.count, running, all.count - running, await images.list().count)
        }).register(&router)
        NetworkHandlers(controller: controller, containers: containers).register(&router)
        ContainerHandlers(containers: containers, network: controller, paths: paths).register(&router)
        StatsHandlers(containers: containers).register(&router)
        ExecHandlers(containers: containers).register(&router)
        AttachHandlers(containers: containers).register(&router)
        ImageHandlers(store: images, scratchDirectory: config.dataRoot + "/tmp").register(&router)
        EventHandlers(log: events).register(&router)

        let server = APIServer(socketPath: config.socketPath, router: router, logger: logger, socketGroup: config.socketGroup,
                               headerTimeout: .seconds(Int64(config.readHeaderTimeout)))
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: server)], gracefulShutdownSignals: [.sigterm, .sigint],
                cancellationSignals: [.sigquit], logger: logger))
        try await group.run()
        await dns.stopAll()
        // The lease is left to run out rather than revoked: containers outlive berthd (live
        // restore), and a berthd that comes back within the lease takes its keys over.
        await membership?.leave(revoke: false)
    }

    /// With `--cluster-store`: this host's membership, joining in the background (an etcd that is
    /// down never holds up the start; local networks do not need it).
    private func joinCluster(daemonID: String, advertised ip: IPAddress, controller: NetworkController, records: ServiceRecords) async -> ClusterMembership? {
        guard let cluster = config.cluster else { return nil }
        let store = EtcdClusterStore(address: cluster.store, group: MultiThreadedEventLoopGroup.singleton)
        let logger = self.logger
        let membership = ClusterMembership(
            store: store, host: .init(id: daemonID, name: EngineInfo.hostname, address: ip.description), ttl: cluster.leaseTTL,
            reservationTTL: cluster.reservationTTL,
            onRejoin: { _ in await controller.clusterRejoined() },
            onState: { state in
                switch state {
                case .joined(let lease): logger.info("joined the cluster at \(cluster.store) as \(ip) (lease \(String(lease, radix: 16)))")
                case .unreachable(let e): logger.warning("\(e)")
                case .joining, .left: break
                }
            })
        await membership.start()
        await controller.attachCluster(store, membership: membership, records: records)
        return membership
    }
}

/// The daemon's pid file: refuses a second daemon on the same roots, removed at exit.
struct PIDFile {
    let path: String

    init(path: String) throws {
        self.path = path
        if let text = try? String(contentsOfFile: path, encoding: .utf8), let other = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)),
            other != getpid(), Self.isLiveBerthd(other) {
            throw BerthError.conflict("pid file found, ensure berthd is not running or delete \(path) (process \(other) is alive)")
        }
        do {
            try (String(getpid()) + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw BerthError.internalError("cannot write pid file \(path): \(error)", cause: error)
        }
    }

    func remove() { try? FileManager.default.removeItem(atPath: path) }

    /// Whether `pid` is a running berthd: not a zombie awaiting its reaper (a killed daemon
    /// whose parent is pid 1 stays one for a while), and not another program that reused the pid.
    static func isLiveBerthd(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0, let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
        // Fields after the parenthesised command name: the first is the state.
        guard let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].split(separator: " ").first
        if state == "Z" || state == "X" { return false }
        let comm = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        return comm == "berthd"
    }
}
