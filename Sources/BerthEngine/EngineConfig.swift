import BerthContainers
import BerthNetwork

/// Everything `berthd`'s flags decide.
public struct EngineConfig: Sendable {
    /// Path of the API's unix socket.
    public var socketPath = "/run/berth/berth.sock"
    /// Persistent state (`berth.db`).
    public var dataRoot = "/var/lib/berth"
    /// Runtime state (sockets, namespaces); emptied by a reboot.
    public var execRoot = "/run/berth"
    /// Where the daemon writes its pid.
    public var pidFile = "/run/berth/berthd.pid"
    public var network = NetworkConfig()
    /// The host firewall's settings; nil with `--iptables=false` (Berth leaves nftables alone).
    public var firewall: HostFirewall.Settings? = HostFirewall.Settings()
    /// `--dns`, `--host-gateway-ip`: containers' name resolution defaults.
    public var containerDefaults = ContainerNetworkDefaults()
    public var debug = false
    /// The group that may use the API socket (`-G/--group`, default `docker`); the socket is 0660
    /// root:<group>, as dockerd makes it. nil: root only (the default group does not exist).
    public var socketGroup: UInt32?
    /// Seconds a client may take to send a request's head (dockerd's ReadHeaderTimeout: 5 minutes).
    public var readHeaderTimeout = 300
    /// `--cluster-store`/`--cluster-advertise`; nil: this host is in no cluster.
    public var cluster: ClusterConfig?
    /// Directories searched first for legacy plugins' sockets and spec files (`--plugin-dir`).
    public var pluginDirectories: [String] = []
    /// The deadline of every call to a plugin (`--plugin-timeout`, seconds).
    public var pluginTimeout = 10

    public init() {}
}
