/// What the engine asks the runtime to run: typed, already-resolved values (numeric user, absolute
/// paths, a prepared root filesystem). `OCISpecBuilder` turns it into an OCI `config.json`.
public struct ContainerSpec: Equatable, Sendable {
    /// The container id, also runc's and conmon's id (dockerd's 64-hex ids fit runc's rules).
    public var id: String
    /// The prepared root filesystem directory (absolute path).
    public var rootfs: String
    /// The command and its arguments (`Entrypoint` + `Cmd`, already combined); not empty.
    public var args: [String]
    /// `KEY=value` entries from the image and `docker run -e`; `PATH`, `HOSTNAME` and `TERM` are
    /// added the way dockerd adds them (see `OCISpecBuilder.environment(for:)`).
    public var env: [String]
    /// The working directory inside the container (absolute); dockerd's default is `/`.
    public var cwd: String
    public var hostname: String
    /// Allocate a pseudo-terminal (`docker run -t`); conmon holds its master side.
    public var tty: Bool
    /// Keep a stdin pipe open through conmon's attach socket (`docker run -i`).
    public var openStdin: Bool
    /// Close the container's stdin when the first attached client ends its input (`docker run -i`).
    public var stdinOnce = false
    /// The terminal's initial size (height, width), when `tty`.
    public var consoleSize: OCISpec.ConsoleSize?
    public var user: User
    /// The network namespace to join, e.g. `/run/berth/netns/<id>`; nil shares the daemon's own
    /// network namespace (`--network host`).
    public var networkNamespacePath: String?
    /// Extra bind mounts, such as the container's `/etc/hosts`, `/etc/resolv.conf`, `/etc/hostname`.
    public var mounts: [BindMount]
    /// Mount the root filesystem read-only (`docker run --read-only`).
    public var readonlyRootfs: Bool
    /// Requested resource limits; each is capped at the daemon's own hard limit when the spec is built.
    public var rlimits: [Rlimit]
    /// The cgroup parent (cgroupfs driver): the container's cgroup is `<cgroupParent>/<id>` in every
    /// hierarchy, as dockerd's `/docker/<id>`.
    public var cgroupParent: String
    /// `HostConfig.Memory` in bytes; nil for no limit.
    public var memoryLimit: Int64?

    public init(
        id: String, rootfs: String, args: [String], env: [String] = [], cwd: String = "/", hostname: String,
        tty: Bool = false, openStdin: Bool = false, user: User = .root, networkNamespacePath: String?,
        mounts: [BindMount] = [], readonlyRootfs: Bool = false, rlimits: [Rlimit] = Rlimit.defaults,
        cgroupParent: String = "/berth"
    ) {
        self.id = id
        self.rootfs = rootfs
        self.args = args
        self.env = env
        self.cwd = cwd
        self.hostname = hostname
        self.tty = tty
        self.openStdin = openStdin
        self.user = user
        self.networkNamespacePath = networkNamespacePath
        self.mounts = mounts
        self.readonlyRootfs = readonlyRootfs
        self.rlimits = rlimits
        self.cgroupParent = cgroupParent
    }

    /// A numeric user and its groups (names are resolved against the image's `/etc/passwd` first).
    public struct User: Equatable, Sendable {
        public var uid: UInt32
        public var gid: UInt32
        public var additionalGids: [UInt32]

        public init(uid: UInt32, gid: UInt32, additionalGids: [UInt32] = []) {
            self.uid = uid
            self.gid = gid
            self.additionalGids = additionalGids
        }

        /// uid 0, gid 0: dockerd's default when the image sets no `User`.
        public static let root = User(uid: 0, gid: 0)
    }

    /// A host file or directory bind-mounted into the container.
    public struct BindMount: Equatable, Sendable {
        public var source: String
        public var destination: String
        public var readonly: Bool

        public init(source: String, destination: String, readonly: Bool = false) {
            self.source = source
            self.destination = destination
            self.readonly = readonly
        }
    }
}
