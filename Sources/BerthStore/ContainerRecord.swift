import BerthCore

/// A container as Berth persists it: what the user asked for and where it stands.
public struct ContainerRecord: Codable, Hashable, Sendable {
    /// A network the container joins, with its `--ip`, `--ip6`, `--alias` and MAC requests.
    public struct NetworkRequest: Codable, Hashable, Sendable {
        public var network: String
        public var ipv4: String?
        public var ipv6: String?
        public var aliases: [String]
        public var macAddress: String?
        /// `EndpointSettings.Links` as sent (`name:alias`: DNS aliases of other containers, seen
        /// only from this one); nil when not sent.
        public var links: [String]?
        /// `EndpointSettings.DriverOpts` as sent; nil when not sent.
        public var driverOpts: [String: String]?
        /// `IPAMConfig.LinkLocalIPs` (`--link-local-ip`); nil when not sent.
        public var linkLocalIPs: [String]?

        public init(
            network: String, ipv4: String? = nil, ipv6: String? = nil, aliases: [String] = [], macAddress: String? = nil,
            links: [String]? = nil, driverOpts: [String: String]? = nil, linkLocalIPs: [String]? = nil
        ) {
            self.network = network
            self.ipv4 = ipv4
            self.ipv6 = ipv6
            self.aliases = aliases
            self.macAddress = macAddress
            self.links = links
            self.driverOpts = driverOpts
            self.linkLocalIPs = linkLocalIPs
        }
    }

    /// A legacy link (`--link db:mydb`): the target container's name and the alias it gets here.
    public struct Link: Codable, Hashable, Sendable {
        public var name: String
        public var alias: String

        public init(name: String, alias: String) {
            self.name = name
            self.alias = alias
        }
    }

    /// `created`, `running`, `exited` as the API reports them.
    public enum Status: String, Codable, Hashable, Sendable {
        case created, running, exited, removing
    }

    public var id: String
    /// Without the leading `/` the API adds.
    public var name: String
    /// Nanoseconds since the epoch.
    public var created: Int64
    /// The reference the user gave (`alpine`) and the image id it resolved to.
    public var imageReference: String
    public var imageID: String

    public var hostname: String
    public var domainname: String
    public var user: String
    public var env: [String]
    public var cmd: [String]
    public var entrypoint: [String]
    public var workingDir: String
    public var tty: Bool
    public var openStdin: Bool
    public var labels: [String: String]

    /// `bridge`, `host`, `none`, `container:<id>`, or a network name.
    public var networkMode: String
    /// Networks in join order (the first one carries the default route).
    public var networks: [NetworkRequest]
    public var autoRemove: Bool
    public var dns: [String]
    public var dnsSearch: [String]
    public var dnsOptions: [String]
    public var extraHosts: [String]
    /// Legacy links; stored optional so records written before links existed still load.
    public var links: [Link] {
        get { storedLinks ?? [] }
        set { storedLinks = newValue.isEmpty ? nil : newValue }
    }
    private var storedLinks: [Link]?
    /// Exposed ports (`80/tcp`), the image's and `--expose`'s, sorted; optional in storage as `links`.
    public var exposedPorts: [String] {
        get { storedExposedPorts ?? [] }
        set { storedExposedPorts = newValue.isEmpty ? nil : newValue }
    }
    private var storedExposedPorts: [String]?
    /// `HostConfig.PortBindings` (`-p`), in the order given; optional in storage as `links`.
    public var portBindings: [PortBindingRequest] {
        get { storedPortBindings ?? [] }
        set { storedPortBindings = newValue.isEmpty ? nil : newValue }
    }
    private var storedPortBindings: [PortBindingRequest]?
    /// `HostConfig.PublishAllPorts` (`-P`): every exposed port gets a host port of Berth's choosing.
    public var publishAllPorts: Bool {
        get { storedPublishAll ?? false }
        set { storedPublishAll = newValue ? true : nil }
    }
    private var storedPublishAll: Bool?
    /// `StdinOnce`: stdin closes when the first attached client ends its input.
    public var stdinOnce: Bool {
        get { storedStdinOnce ?? false }
        set { storedStdinOnce = newValue ? true : nil }
    }
    private var storedStdinOnce: Bool?
    /// `AttachStdin`, `AttachStdout`, `AttachStderr` as the client created the container (compose's
    /// `run` attaches only the streams these name); nil when none was asked for.
    public var attachStreams: [Bool]?
    /// The terminal's initial [height, width] (`HostConfig.ConsoleSize`), nil when not given.
    public var consoleSize: [Int]?
    /// `HostConfig.Memory` in bytes; nil for no limit.
    public var memoryLimit: Int64?

    public var status: Status
    public var pid: Int32
    public var exitCode: Int32
    /// Nanoseconds; 0 when never started / never finished.
    public var startedAt: Int64
    public var finishedAt: Int64
    public var error: String

    public init(
        id: String, name: String, created: Int64, imageReference: String, imageID: String, hostname: String,
        domainname: String = "", user: String = "", env: [String] = [], cmd: [String] = [], entrypoint: [String] = [],
        workingDir: String = "", tty: Bool = false, openStdin: Bool = false, labels: [String: String] = [:],
        networkMode: String = "bridge", networks: [NetworkRequest] = [], autoRemove: Bool = false, dns: [String] = [],
        dnsSearch: [String] = [], dnsOptions: [String] = [], extraHosts: [String] = []
    ) {
        self.id = id
        self.name = name
        self.created = created
        self.imageReference = imageReference
        self.imageID = imageID
        self.hostname = hostname
        self.domainname = domainname
        self.user = user
        self.env = env
        self.cmd = cmd
        self.entrypoint = entrypoint
        self.workingDir = workingDir
        self.tty = tty
        self.openStdin = openStdin
        self.labels = labels
        self.networkMode = networkMode
        self.networks = networks
        self.autoRemove = autoRemove
        self.dns = dns
        self.dnsSearch = dnsSearch
        self.dnsOptions = dnsOptions
        self.extraHosts = extraHosts
        status = .created
        pid = 0
        exitCode = 0
        startedAt = 0
        finishedAt = 0
        error = ""
    }

    /// The process the container runs: entrypoint then command.
    public var path: String { (entrypoint + cmd).first ?? "" }
    public var args: [String] { Array((entrypoint + cmd).dropFirst()) }
}

extension ContainerRecord.NetworkRequest {
    /// An IPv6 `--link-local-ip` needs IPv6 on in the sandbox, whatever the network's own setting.
    public var wantsIPv6LinkLocal: Bool { (linkLocalIPs ?? []).contains { $0.contains(":") } }
}
