import BerthCore
import BerthIPAM
import BerthNetwork

/// Turns berthd's flag values into an `EngineConfig`, with dockerd's flag names and
/// messages that say how to fix a bad value.
public enum DaemonOptions {
    /// The firewall flags (`--iptables`, `--ip-forward`, `--ip-masq`, `--icc`).
    public struct Firewall: Sendable {
        public var iptables = true
        public var ipForward = true
        public var ipMasq = true
        public var icc = true

        public init(iptables: Bool = true, ipForward: Bool = true, ipMasq: Bool = true, icc: Bool = true) {
            self.iptables = iptables
            self.ipForward = ipForward
            self.ipMasq = ipMasq
            self.icc = icc
        }
    }

    public static func config(
        host: String, dataRoot: String, execRoot: String, pidFile: String?, bip: String?,
        defaultAddressPools: [String], mtu: Int?, dns: [String] = [], hostGatewayIP: String? = nil, firewall: Firewall = Firewall(), debug: Bool,
        group: String? = nil, clusterStore: String? = nil, clusterAdvertise: String? = nil
    ) throws(BerthError) -> EngineConfig {
        var c = EngineConfig()
        c.cluster = try ClusterConfig.parse(store: clusterStore, advertise: clusterAdvertise)
        c.socketGroup = try socketGroup(group)
        guard host.hasPrefix("unix://"), host.count > "unix://".count else {
            throw .invalidArgument("invalid -H \(host): berthd listens on a unix socket only; use unix:///path/to/berth.sock")
        }
        c.socketPath = String(host.dropFirst("unix://".count))
        c.dataRoot = dataRoot
        c.execRoot = execRoot
        c.pidFile = pidFile ?? execRoot + "/berthd.pid"
        c.debug = debug
        if let b = bip {
            guard let cidr = CIDR(b), cidr.family == .v4, cidr.address != cidr.first, cidr.hostBits >= 2 else {
                throw .invalidArgument("invalid --bip \(b): give the bridge's gateway address with its prefix, e.g. 172.17.0.1/16")
            }
            c.network.bip = cidr
        }
        if !defaultAddressPools.isEmpty {
            var v4: [AddressPool] = []
            var v6: [AddressPool] = []
            for flag in defaultAddressPools {
                do {
                    let p = try AddressPool(flag: flag)
                    if p.base.family == .v4 { v4.append(p) } else { v6.append(p) }
                } catch {
                    throw .invalidArgument(error.description)
                }
            }
            if !v4.isEmpty { c.network.pools4 = v4 }
            c.network.pools6 = v6
        }
        if let m = mtu {
            guard (68...65535).contains(m) else { throw .invalidArgument("invalid --mtu \(m): it must be from 68 to 65535") }
            c.network.mtu = m
        }
        for d in dns where IPAddress(d) == nil {
            throw .invalidArgument("invalid argument \"\(d)\" for \"--dns\" flag: \(d) is not an ip address")
        }
        c.containerDefaults.dns = dns
        if let g = hostGatewayIP {
            guard IPAddress(g) != nil else {
                throw .invalidArgument("invalid argument \"\(g)\" for \"--host-gateway-ip\" flag: \(g) is not an ip address")
            }
            c.containerDefaults.hostGatewayIP = g
        }
        if firewall.iptables {
            var f = HostFirewall.Settings()
            f.ipForward = firewall.ipForward
            f.ipMasquerade = firewall.ipMasq
            c.firewall = f
        } else {
            c.firewall = nil
        }
        c.network.icc = firewall.icc
        return c
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension DaemonOptions {
    /// Prints `berthd: <message>` on stderr and exits 1: how berthd reports a failure to start.
    public static func fail(_ message: String) -> Never {
        let bytes = Array("berthd: \(message)\n".utf8)
        _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(1)
    }

    /// `-G/--group`: a group name or number. The default `docker` may be missing (root only then,
    /// as dockerd does with a warning); a group the user named must exist.
    static func socketGroup(_ requested: String?) throws(BerthError) -> UInt32? {
        let name = requested ?? "docker"
        if name.isEmpty { return nil }
        if let g = getgrnam(name) { return g.pointee.gr_gid }
        if let n = UInt32(name), getgrgid(n) != nil { return n }
        if requested == nil { return nil }
        throw .invalidArgument("failed to load listeners: group \(name) not found")
    }
}
