/// The `config` object of an image config: how a container of the image runs by default
/// (dockerd's `container.Config` as images carry it). Field names are dockerd's; encoding
/// writes the fields Go always writes (`"Env": null`) and omits the ones Go omits when empty.
public struct ImageRunConfig: Codable, Equatable, Sendable {
    public var hostname = ""
    public var domainname = ""
    /// `USER`: `name`, `uid`, `name:group` or `uid:gid`.
    public var user = ""
    public var attachStdin = false
    public var attachStdout = false
    public var attachStderr = false
    /// `EXPOSE`: port specs such as `80/tcp`, `53/udp`, sorted; nil when none.
    public var exposedPorts: [String]?
    public var tty = false
    public var openStdin = false
    public var stdinOnce = false
    /// `ENV`: `KEY=value` entries in order; nil when none.
    public var env: [String]?
    /// `CMD`: nil when unset.
    public var cmd: [String]?
    /// `HEALTHCHECK`.
    public var healthcheck: ImageHealthcheck?
    public var argsEscaped: Bool?
    public var image = ""
    /// `VOLUME`: container paths, sorted; nil when none.
    public var volumes: [String]?
    /// `WORKDIR`: absolute and cleaned, or empty.
    public var workingDir = ""
    /// `ENTRYPOINT`: nil when unset.
    public var entrypoint: [String]?
    /// `ONBUILD` triggers, as written after the keyword.
    public var onBuild: [String]?
    /// `LABEL`s; nil when none.
    public var labels: [String: String]?
    public var stopSignal: String?
    public var stopTimeout: Int?
    public var shell: [String]?

    public init() {}

    private enum CodingKeys: String, CodingKey {
        case hostname = "Hostname", domainname = "Domainname", user = "User"
        case attachStdin = "AttachStdin", attachStdout = "AttachStdout", attachStderr = "AttachStderr"
        case exposedPorts = "ExposedPorts", tty = "Tty", openStdin = "OpenStdin", stdinOnce = "StdinOnce"
        case env = "Env", cmd = "Cmd", healthcheck = "Healthcheck", argsEscaped = "ArgsEscaped"
        case image = "Image", volumes = "Volumes", workingDir = "WorkingDir", entrypoint = "Entrypoint"
        case onBuild = "OnBuild", labels = "Labels", stopSignal = "StopSignal", stopTimeout = "StopTimeout"
        case shell = "Shell"
    }

    // Go decodes a missing field or `null` as the zero value; so does this.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hostname = try c.decodeIfPresent(String.self, forKey: .hostname) ?? ""
        domainname = try c.decodeIfPresent(String.self, forKey: .domainname) ?? ""
        user = try c.decodeIfPresent(String.self, forKey: .user) ?? ""
        attachStdin = try c.decodeIfPresent(Bool.self, forKey: .attachStdin) ?? false
        attachStdout = try c.decodeIfPresent(Bool.self, forKey: .attachStdout) ?? false
        attachStderr = try c.decodeIfPresent(Bool.self, forKey: .attachStderr) ?? false
        exposedPorts = try c.decodeIfPresent([String: EmptyObject].self, forKey: .exposedPorts).map { $0.keys.sorted() }
        tty = try c.decodeIfPresent(Bool.self, forKey: .tty) ?? false
        openStdin = try c.decodeIfPresent(Bool.self, forKey: .openStdin) ?? false
        stdinOnce = try c.decodeIfPresent(Bool.self, forKey: .stdinOnce) ?? false
        env = try c.decodeIfPresent([String].self, forKey: .env)
        cmd = try c.decodeIfPresent([String].self, forKey: .cmd)
        healthcheck = try c.decodeIfPresent(ImageHealthcheck.self, forKey: .healthcheck)
        argsEscaped = try c.decodeIfPresent(Bool.self, forKey: .argsEscaped)
        image = try c.decodeIfPresent(String.self, forKey: .image) ?? ""
        volumes = try c.decodeIfPresent([String: EmptyObject].self, forKey: .volumes).map { $0.keys.sorted() }
        workingDir = try c.decodeIfPresent(String.self, forKey: .workingDir) ?? ""
        entrypoint = try c.decodeIfPresent([String].self, forKey: .entrypoint)
        onBuild = try c.decodeIfPresent([String].self, forKey: .onBuild)
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels)
        stopSignal = try c.decodeIfPresent(String.self, forKey: .stopSignal)
        stopTimeout = try c.decodeIfPresent(Int.self, forKey: .stopTimeout)
        shell = try c.decodeIfPresent([String].self, forKey: .shell)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(hostname, forKey: .hostname)
        try c.encode(domainname, forKey: .domainname)
        try c.encode(user, forKey: .user)
        try c.encode(attachStdin, forKey: .attachStdin)
        try c.encode(attachStdout, forKey: .attachStdout)
        try c.encode(attachStderr, forKey: .attachStderr)
        if let exposedPorts, !exposedPorts.isEmpty { try c.encode(Self.set(exposedPorts), forKey: .exposedPorts) }
        try c.encode(tty, forKey: .tty)
        try c.encode(openStdin, forKey: .openStdin)
        try c.encode(stdinOnce, forKey: .stdinOnce)
        try c.encode(env, forKey: .env)
        try c.encode(cmd, forKey: .cmd)
        try c.encodeIfPresent(healthcheck, forKey: .healthcheck)
        if argsEscaped == true { try c.encode(true, forKey: .argsEscaped) }
        try c.encode(image, forKey: .image)
        try c.encode(volumes.map(Self.set), forKey: .volumes)
        try c.encode(workingDir, forKey: .workingDir)
        try c.encode(entrypoint, forKey: .entrypoint)
        try c.encode(onBuild, forKey: .onBuild)
        try c.encode(labels, forKey: .labels)
        if let stopSignal, !stopSignal.isEmpty { try c.encode(stopSignal, forKey: .stopSignal) }
        try c.encodeIfPresent(stopTimeout, forKey: .stopTimeout)
        if let shell, !shell.isEmpty { try c.encode(shell, forKey: .shell) }
    }

    private static func set(_ keys: [String]) -> [String: EmptyObject] {
        Dictionary(keys.map { ($0, EmptyObject()) }, uniquingKeysWith: { a, _ in a })
    }

    /// The value of `key` in `env`, if set.
    public func environmentValue(_ key: String) -> String? {
        for entry in env ?? [] {
            if entry == key { return "" }
            if entry.hasPrefix(key + "=") { return String(entry.dropFirst(key.count + 1)) }
        }
        return nil
    }
}

/// `{}`: the value of each key in Docker's set-like maps (`ExposedPorts`, `Volumes`).
public struct EmptyObject: Codable, Hashable, Sendable {
    public init() {}
}

/// `HEALTHCHECK` as an image stores it; durations are nanoseconds, 0 meaning the default.
public struct ImageHealthcheck: Codable, Equatable, Sendable {
    /// `["NONE"]`, `["CMD", args…]` or `["CMD-SHELL", command]`.
    public var test: [String]?
    public var interval: Int64?
    public var timeout: Int64?
    public var startPeriod: Int64?
    public var startInterval: Int64?
    public var retries: Int?

    public init(
        test: [String]? = nil, interval: Int64? = nil, timeout: Int64? = nil, startPeriod: Int64? = nil,
        startInterval: Int64? = nil, retries: Int? = nil
    ) {
        self.test = test
        self.interval = interval
        self.timeout = timeout
        self.startPeriod = startPeriod
        self.startInterval = startInterval
        self.retries = retries
    }

    private enum CodingKeys: String, CodingKey {
        case test = "Test", interval = "Interval", timeout = "Timeout", startPeriod = "StartPeriod"
        case startInterval = "StartInterval", retries = "Retries"
    }

    // Go omits zero durations and counts (`omitempty`).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if let test, !test.isEmpty { try c.encode(test, forKey: .test) }
        if let interval, interval != 0 { try c.encode(interval, forKey: .interval) }
        if let timeout, timeout != 0 { try c.encode(timeout, forKey: .timeout) }
        if let startPeriod, startPeriod != 0 { try c.encode(startPeriod, forKey: .startPeriod) }
        if let startInterval, startInterval != 0 { try c.encode(startInterval, forKey: .startInterval) }
        if let retries, retries != 0 { try c.encode(retries, forKey: .retries) }
    }
}
