import BerthCore
import BerthDNS
import BerthNetwork
import BerthStore

extension ContainerService {
    /// After the container's endpoints changed: publishes its names on each user-defined network
    /// it is on, and starts (or rescopes, or stops) its sandbox's DNS server. Returns whether the
    /// container uses the embedded server (its resolv.conf then names 127.0.0.11).
    @discardableResult
    func refreshDNS(_ c: ContainerRecord, afterRestart: Bool = false, hostResolv: ResolvConf? = nil) async throws -> Bool {
        guard let dns, c.networkMode != "host", !c.networkMode.hasPrefix("container:") else { return false }
        var records: [DNSEndpointRecord] = []
        var externalAccess = false
        for e in await network.endpoints(container: c.id) {
            guard let net = try? await network.find(e.networkID) else { continue }
            if await network.reachesOutside(net) { externalAccess = true }
            guard net.hasEmbeddedDNS, !(await network.isGatewayBridge(net.id)) else { continue }
            records.append(DNSEndpointRecord(
                containerID: c.id, networkID: net.id, networkName: net.name,
                names: c.hostname == c.name || c.hostname.isEmpty ? [c.name] : [c.name, c.hostname],
                aliases: e.aliases, ipv4: Self.address(e.ipv4Address).flatMap(IPv4Address.init),
                ipv6: Self.address(e.ipv6Address).flatMap(IPv6Address.init)))
        }
        dns.setRecords(containerID: c.id, records)
        guard !records.isEmpty else {
            await dns.stop(containerID: c.id)
            return false
        }
        try await dns.serve(containerID: c.id, .init(
            sandboxKey: paths.sandboxKey(c.id),
            scope: DNSClientScope(
                networkIDs: records.map(\.networkID),
                links: Dictionary(Self.dnsLinks(c).map { ($0.alias.lowercased(), $0.name) }, uniquingKeysWith: { a, _ in a })),
            // A container only on internal networks has no way out, and its names none either: the
            // server answers its own names and refuses to forward (SERVFAIL), as dockerd 24+ does.
            upstreams: externalAccess ? await upstreams(c, hostResolv: hostResolv) : []), rulesMayExist: afterRestart)
        return true
    }

    /// The links whose aliases `c` alone resolves: container-wide `--link`s, then those given on an
    /// endpoint (`EndpointSettings.Links`, as the docker CLI and compose send them for user networks).
    static func dnsLinks(_ c: ContainerRecord) -> [ContainerRecord.Link] {
        c.links + c.networks.flatMap { ($0.links ?? []).compactMap { try? LegacyLinks.parse($0) } }
    }

    /// Drops the container's names and stops its server (the container stopped or went away).
    func forgetDNS(_ id: String) async {
        guard let dns else { return }
        dns.setRecords(containerID: id, [])
        await dns.stop(containerID: id)
    }

    /// The daemon host's resolv.conf, read from disk off the cooperative pool.
    func readHostResolvConf() async -> ResolvConf {
        ResolvConf(parsing: await ContainerFiles.read(paths.hostResolvConf) ?? "")
    }

    /// Where the embedded server forwards for `c`: its `--dns`, else the daemon's, else the host's
    /// resolvers (loopback ones included: forwarding happens in the daemon's namespace), else
    /// dockerd's public fallback.
    func upstreams(_ c: ContainerRecord, hostResolv: ResolvConf? = nil) async -> [String] {
        if !c.dns.isEmpty { return c.dns }
        if !defaults.dns.isEmpty { return defaults.dns }
        let host = if let hostResolv { hostResolv } else { await readHostResolvConf() }
        return host.nameservers.isEmpty ? ResolvConf.fallbackIPv4 : host.nameservers
    }

    /// `172.18.0.2/16` → `172.18.0.2`; empty stays nil.
    static func address(_ cidr: String) -> String? {
        guard !cidr.isEmpty else { return nil }
        return cidr.split(separator: "/").first.map(String.init)
    }
}
