/// An OCI runtime configuration, the `config.json` of a bundle (runtime-spec 1.0), limited to the
/// fields Berth sets. Property names are the JSON keys; `nil` optionals are left out of the JSON.
///
/// `OCISpecBuilder` fills it from a `ContainerSpec`; `JSONEncoder` writes it.
public struct OCISpec: Codable, Equatable, Sendable {
    public var ociVersion: String
    public var process: Process
    public var root: Root
    public var hostname: String?
    public var mounts: [Mount]
    public var linux: Linux

    public init(ociVersion: String, process: Process, root: Root, hostname: String?, mounts: [Mount], linux: Linux) {
        self.ociVersion = ociVersion
        self.process = process
        self.root = root
        self.hostname = hostname
        self.mounts = mounts
        self.linux = linux
    }

    /// The program the container (or an exec session, as `runc exec --process`) runs.
    public struct Process: Codable, Equatable, Sendable {
        public var terminal: Bool
        public var user: User
        public var args: [String]
        public var env: [String]
        public var cwd: String
        public var capabilities: Capabilities?
        public var rlimits: [POSIXRlimit]?
        public var noNewPrivileges: Bool?
        public var oomScoreAdj: Int?
        /// The terminal's initial size (`docker run -it` sends the client's as `ConsoleSize`).
        public var consoleSize: ConsoleSize?

        public init(
            terminal: Bool, user: User, args: [String], env: [String], cwd: String,
            capabilities: Capabilities?, rlimits: [POSIXRlimit]?, noNewPrivileges: Bool?, oomScoreAdj: Int? = nil
        ) {
            self.terminal = terminal
            self.user = user
            self.args = args
            self.env = env
            self.cwd = cwd
            self.capabilities = capabilities
            self.rlimits = rlimits
            self.noNewPrivileges = noNewPrivileges
            self.oomScoreAdj = oomScoreAdj
        }
    }

    /// A terminal's size in character cells.
    public struct ConsoleSize: Codable, Equatable, Sendable {
        public var height: Int
        public var width: Int

        public init(height: Int, width: Int) {
            self.height = height
            self.width = width
        }
    }

    /// Numeric identity of the process; names are resolved before they get here.
    public struct User: Codable, Equatable, Sendable {
        public var uid: UInt32
        public var gid: UInt32
        public var additionalGids: [UInt32]?

        public init(uid: UInt32, gid: UInt32, additionalGids: [UInt32]?) {
            self.uid = uid
            self.gid = gid
            self.additionalGids = additionalGids
        }
    }

    /// Capability sets, as `CAP_*` names.
    public struct Capabilities: Codable, Equatable, Sendable {
        public var bounding: [String]
        public var effective: [String]
        public var permitted: [String]
        public var inheritable: [String]?
        public var ambient: [String]?

        public init(bounding: [String], effective: [String], permitted: [String]) {
            self.bounding = bounding
            self.effective = effective
            self.permitted = permitted
        }
    }

    /// One resource limit (`RLIMIT_NOFILE`...), set with `setrlimit` in the container's init.
    public struct POSIXRlimit: Codable, Equatable, Sendable {
        public var type: String
        public var hard: UInt64
        public var soft: UInt64

        public init(type: String, hard: UInt64, soft: UInt64) {
            self.type = type
            self.hard = hard
            self.soft = soft
        }
    }

    /// The root filesystem: a directory, absolute or relative to the bundle.
    public struct Root: Codable, Equatable, Sendable {
        public var path: String
        public var readonly: Bool?

        public init(path: String, readonly: Bool?) {
            self.path = path
            self.readonly = readonly
        }
    }

    /// A mount made inside the container's mount namespace, in list order.
    public struct Mount: Codable, Equatable, Sendable {
        public var destination: String
        public var type: String?
        public var source: String?
        public var options: [String]?

        public init(destination: String, type: String?, source: String?, options: [String]?) {
            self.destination = destination
            self.type = type
            self.source = source
            self.options = options
        }
    }

    /// Linux-specific configuration.
    public struct Linux: Codable, Equatable, Sendable {
        public var namespaces: [Namespace]
        public var cgroupsPath: String?
        public var resources: Resources?
        public var sysctl: [String: String]?
        public var maskedPaths: [String]?
        public var readonlyPaths: [String]?

        public init(
            namespaces: [Namespace], cgroupsPath: String?, resources: Resources?, sysctl: [String: String]?,
            maskedPaths: [String]?, readonlyPaths: [String]?
        ) {
            self.namespaces = namespaces
            self.cgroupsPath = cgroupsPath
            self.resources = resources
            self.sysctl = sysctl
            self.maskedPaths = maskedPaths
            self.readonlyPaths = readonlyPaths
        }
    }

    /// A namespace the container gets: a new one, or the existing one at `path` (joined).
    public struct Namespace: Codable, Equatable, Sendable {
        /// `pid`, `network`, `mount`, `ipc`, `uts`, `user` or `cgroup`.
        public var type: String
        public var path: String?

        public init(type: String, path: String? = nil) {
            self.type = type
            self.path = path
        }
    }

    /// cgroup settings: the device allow-list of Docker's default spec, and the memory limit.
    public struct Resources: Codable, Equatable, Sendable {
        public var devices: [DeviceRule]
        public var memory: Memory?

        public init(devices: [DeviceRule], memory: Memory? = nil) {
            self.devices = devices
            self.memory = memory
        }
    }

    /// `linux.resources.memory` (`docker run -m`): the limit in bytes.
    public struct Memory: Codable, Equatable, Sendable {
        public var limit: Int64

        public init(limit: Int64) { self.limit = limit }
    }

    /// One rule of the device cgroup: allow or deny `access` (`rwm`) to a device class.
    public struct DeviceRule: Codable, Equatable, Sendable {
        public var allow: Bool
        /// `c` (character), `b` (block) or nil for all.
        public var type: String?
        /// nil matches every major (or minor) number.
        public var major: Int64?
        public var minor: Int64?
        public var access: String

        public init(allow: Bool, type: String? = nil, major: Int64? = nil, minor: Int64? = nil, access: String) {
            self.allow = allow
            self.type = type
            self.major = major
            self.minor = minor
            self.access = access
        }
    }
}
