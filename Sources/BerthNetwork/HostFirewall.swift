import BerthCore
import BerthFirewall
import Logging

/// Berth's firewall in the daemon's namespace: the `inet berth` table (`HostRules`) kept in step
/// with the networks and published ports, and the sysctls bridges need (forwarding,
/// `route_localnet` for ports reached through 127.0.0.1).
///
/// Every change is one nftables transaction. `NetworkController` calls it after its own
/// reservations and rebuilds the whole table from its state when an incremental change fails
/// (someone flushed the table by hand, say).
public struct HostFirewall: Sendable {
    /// Daemon settings (`--ip-forward`, `--ip-masq`).
    public struct Settings: Sendable {
        /// `--ip-forward`: turn on IPv4 (and, with IPv6 networks, IPv6) forwarding.
        public var ipForward = true
        /// `--ip-masq`: masquerade at all (per network: enable_ip_masquerade).
        public var ipMasquerade = true

        public init() {}
    }

    let nft: any NFTables
    let sysctls: any SysctlWriter
    let settings: Settings
    let logger: Logger

    public init(nft: any NFTables, sysctls: any SysctlWriter, settings: Settings = Settings(), logger: Logger) {
        self.nft = nft
        self.sysctls = sysctls
        self.settings = settings
        self.logger = logger
    }

    /// Builds the whole table from scratch (at daemon start, or to recover), then the sysctls:
    /// the table first, so `route_localnet` is never on without the guard rules.
    func rebuild(networks: [FirewallNetwork], ports: [PublishedPort], isolatedPorts: [String], forwardingGuard: Bool) async throws {
        try await nft.apply(
            HostRules.rebuild(networks: networks, ports: ports, isolatedPorts: isolatedPorts, forwardingGuard: forwardingGuard), in: .host)
        await prepareKernel(networks, forwarding: true)
    }

    /// Whether Berth is about to turn IP forwarding on (it is off and `--ip-forward` is set).
    func forwardingIsOff() async -> Bool {
        guard settings.ipForward else { return false }
        return await sysctls.get("net.ipv4.ip_forward") == "0"
    }

    /// Sysctls for `networks` (and forwarding when on), best effort where the kernel lacks a knob.
    /// `forwarding`: set IPv4 forwarding too (at a rebuild; a network's own change needs only its
    /// bridge's settings, and IPv6 forwarding when it brings IPv6).
    func prepareKernel(_ networks: [FirewallNetwork], forwarding: Bool) async {
        var wanted: [(key: String, value: String)] = []
        if settings.ipForward {
            if forwarding { wanted.append(("net.ipv4.ip_forward", "1")) }
            if networks.contains(where: { $0.subnets.contains { $0.family == .v6 } }) {
                wanted.append(("net.ipv6.conf.all.forwarding", "1"))
            }
        }
        for n in networks {
            wanted.append(("/proc/sys/net/ipv4/conf/\(n.bridge)/route_localnet", "1"))
        }
        // One write batch; if something is missing, item by item so the rest still gets set.
        if (try? await sysctls.set(wanted)) != nil { return }
        for item in wanted {
            do {
                try await sysctls.set([item])
            } catch {
                logger.warning("cannot set \(item.key)=\(item.value): \(error)")
            }
        }
    }

    /// Adds a network's elements.
    func add(_ network: FirewallNetwork) async throws {
        try await nft.apply(HostRules.add(HostRules.elements(of: network)), in: .host)
        await prepareKernel([network], forwarding: false)
    }

    /// Removes a network's elements.
    func remove(_ network: FirewallNetwork) async throws {
        try await nft.apply(HostRules.delete(HostRules.elements(of: network)), in: .host)
    }

    /// Programs published ports.
    func publish(_ ports: [PublishedPort]) async throws {
        guard !ports.isEmpty else { return }
        try await nft.apply(HostRules.add(ports.flatMap(HostRules.elements(of:))), in: .host)
    }

    /// Puts bridge ports of ICC-off networks into the isolated set, or takes them out.
    func isolate(_ ports: [String], _ on: Bool) async throws {
        guard !ports.isEmpty else { return }
        try await nft.apply(on ? HostRules.isolate(ports) : HostRules.release(ports), in: .host)
    }

    /// Removes published ports.
    func unpublish(_ ports: [PublishedPort]) async throws {
        guard !ports.isEmpty else { return }
        try await nft.apply(HostRules.delete(ports.flatMap(HostRules.elements(of:))), in: .host)
    }
}
