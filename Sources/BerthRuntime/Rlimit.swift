/// A resource limit for a container's processes, as `docker run --ulimit nofile=1024:2048` gives it.
public struct Rlimit: Equatable, Sendable {
    /// Which limit, in the kernel's spelling (`RLIMIT_NOFILE`); the raw value is the resource number.
    public enum Resource: Int32, CaseIterable, Sendable, CustomStringConvertible {
        case RLIMIT_CPU = 0
        case RLIMIT_FSIZE = 1
        case RLIMIT_DATA = 2
        case RLIMIT_STACK = 3
        case RLIMIT_CORE = 4
        case RLIMIT_RSS = 5
        case RLIMIT_NPROC = 6
        case RLIMIT_NOFILE = 7
        case RLIMIT_MEMLOCK = 8
        case RLIMIT_AS = 9
        case RLIMIT_LOCKS = 10
        case RLIMIT_SIGPENDING = 11
        case RLIMIT_MSGQUEUE = 12
        case RLIMIT_NICE = 13
        case RLIMIT_RTPRIO = 14
        case RLIMIT_RTTIME = 15

        public var description: String { name }

        /// The kernel name, e.g. `RLIMIT_NOFILE`: what runc expects in `config.json`.
        public var name: String {
            switch self {
            case .RLIMIT_CPU: "RLIMIT_CPU"
            case .RLIMIT_FSIZE: "RLIMIT_FSIZE"
            case .RLIMIT_DATA: "RLIMIT_DATA"
            case .RLIMIT_STACK: "RLIMIT_STACK"
            case .RLIMIT_CORE: "RLIMIT_CORE"
            case .RLIMIT_RSS: "RLIMIT_RSS"
            case .RLIMIT_NPROC: "RLIMIT_NPROC"
            case .RLIMIT_NOFILE: "RLIMIT_NOFILE"
            case .RLIMIT_MEMLOCK: "RLIMIT_MEMLOCK"
            case .RLIMIT_AS: "RLIMIT_AS"
            case .RLIMIT_LOCKS: "RLIMIT_LOCKS"
            case .RLIMIT_SIGPENDING: "RLIMIT_SIGPENDING"
            case .RLIMIT_MSGQUEUE: "RLIMIT_MSGQUEUE"
            case .RLIMIT_NICE: "RLIMIT_NICE"
            case .RLIMIT_RTPRIO: "RLIMIT_RTPRIO"
            case .RLIMIT_RTTIME: "RLIMIT_RTTIME"
            }
        }

        /// Parses `RLIMIT_NOFILE` or docker's short form `nofile`.
        public init?(name: String) {
            let upper = name.uppercased()
            let full = upper.hasPrefix("RLIMIT_") ? upper : "RLIMIT_" + upper
            guard let match = Self.allCases.first(where: { $0.name == full }) else { return nil }
            self = match
        }
    }

    public var resource: Resource
    public var soft: UInt64
    public var hard: UInt64

    public init(_ resource: Resource, soft: UInt64, hard: UInt64) {
        self.resource = resource
        self.soft = soft
        self.hard = hard
    }

    /// What a container gets when nothing is asked: the open-files limit dockerd's containers see
    /// (containerd runs with `LimitNOFILE=1048576`), capped at build time to what this host allows.
    public static let defaults: [Rlimit] = [Rlimit(.RLIMIT_NOFILE, soft: 1_048_576, hard: 1_048_576)]

    /// The value `getrlimit` and `setrlimit` use for "no limit".
    public static let infinity = UInt64.max
}
