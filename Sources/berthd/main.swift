import ArgumentParser
import Foundation
import BerthCore
import BerthEngine

/// berthd: the Berth daemon. Serves the Docker Engine API on a unix socket.
@main
struct Berthd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berthd", abstract: "Berth daemon: a Docker-compatible container engine.", version: EngineInfo.version)

    @Option(name: [.customShort("H"), .long], help: "Socket to listen on.")
    var host = "unix:///run/berth/berth.sock"
    @Option(name: .customLong("data-root"), help: "Root of persistent state.")
    var dataRoot = "/var/lib/berth"
    @Option(name: .customLong("exec-root"), help: "Root of runtime state.")
    var execRoot = "/run/berth"
    @Option(name: [.customShort("p"), .long], help: "Path of the pid file (default: <exec-root>/berthd.pid).")
    var pidfile: String?
    @Option(help: "Gateway address and prefix of the default bridge (e.g. 172.17.0.1/16).")
    var bip: String?
    @Option(name: .customLong("default-address-pool"), help: "Pool for network subnets: base=CIDR,size=N (repeatable).")
    var defaultAddressPool: [String] = []
    @Option(help: "MTU of the default bridge.")
    var mtu: Int?
    @Option(help: "DNS server for containers (repeatable); default: the host's resolv.conf.")
    var dns: [String] = []
    @Option(name: .customLong("host-gateway-ip"), help: "Address for the special 'host-gateway' in --add-host.")
    var hostGatewayIP: String?
    @Option(help: "Program Berth's nftables table (isolation, NAT, published ports): true or false.")
    var iptables = true
    @Option(name: .customLong("ip-forward"), help: "Turn on IP forwarding in the daemon's namespace: true or false.")
    var ipForward = true
    @Option(name: .customLong("ip-masq"), help: "Masquerade traffic leaving the host from bridge networks: true or false.")
    var ipMasq = true
    @Option(help: "Let containers on the default bridge talk to each other: true or false.")
    var icc = true
    @Flag(name: [.customShort("D"), .long], help: "Debug logging.")
    var debug = false
    @Option(name: [.customShort("G"), .long], help: "Group of the API socket (0660 root:GROUP); default docker, when it exists.")
    var group: String?
    @Option(name: .customLong("read-header-timeout"), help: "Seconds a client may take to send a request's head (default 300, as dockerd).")
    var readHeaderTimeout = 300
    @Option(name: .customLong("cluster-store"), help: "etcd of the hosts sharing overlay networks: etcd://HOST:PORT[,HOST:PORT...][/PREFIX].")
    var clusterStore: String?
    @Option(name: .customLong("cluster-advertise"), help: "Address or interface other hosts reach this one at (with --cluster-store).")
    var clusterAdvertise: String?
    @Option(name: .customLong("plugin-dir"), help: "A directory searched first for network plugins' sockets (NAME.sock) and spec files (repeatable).")
    var pluginDir: [String] = []
    @Option(name: .customLong("plugin-timeout"), help: "Seconds a network plugin may take to answer a call (default 10).")
    var pluginTimeout = 10
    @Flag(name: .customLong("enable-failpoints"), help: .hidden)
    var enableFailpoints = false

    func run() async throws {
        do {
            // Crash points for the crash-consistency tests only (BerthCore/Failpoint.swift).
            if let spec = ProcessInfo.processInfo.environment["BERTH_FAILPOINT"] {
                try Failpoint.arm(spec, enabled: enableFailpoints)
            }
            let config = try DaemonOptions.config(
                host: host, dataRoot: dataRoot, execRoot: execRoot, pidFile: pidfile, bip: bip,
                defaultAddressPools: defaultAddressPool, mtu: mtu, dns: dns,
                hostGatewayIP: hostGatewayIP, firewall: .init(iptables: iptables, ipForward: ipForward, ipMasq: ipMasq, icc: icc),
                debug: debug, group: group, clusterStore: clusterStore, clusterAdvertise: clusterAdvertise)
            guard readHeaderTimeout > 0 else { throw BerthError.invalidArgument("invalid --read-header-timeout \(readHeaderTimeout): give a number of seconds above 0") }
            guard pluginTimeout > 0 else { throw BerthError.invalidArgument("invalid --plugin-timeout \(pluginTimeout): give a number of seconds above 0") }
            var tuned = config
            tuned.readHeaderTimeout = readHeaderTimeout
            tuned.pluginDirectories = pluginDir
            tuned.pluginTimeout = pluginTimeout
            try await Daemon(config: tuned).run()
        } catch {
            DaemonOptions.fail(BerthError.wrap(error).message)
        }
    }
}
