import Glibc

/// Finds a legacy plugin by name as dockerd does: a socket `NAME.sock` or `NAME/NAME.sock` in
/// the socket directories first, then a `NAME.spec` or `NAME.json` file (also under `NAME/`) in
/// the spec directories. Extra directories (berthd's `--plugin-dir`) are searched first and may
/// hold either kind. The file system is a seam so the rules are tested without root.
public struct PluginDiscovery: Sendable {
    /// What discovery needs of the file system.
    public struct Files: Sendable {
        public var isSocket: @Sendable (String) -> Bool
        public var read: @Sendable (String) -> [UInt8]?
        public init(isSocket: @escaping @Sendable (String) -> Bool, read: @escaping @Sendable (String) -> [UInt8]?) {
            self.isSocket = isSocket
            self.read = read
        }
    }

    public static let defaultSocketDirectories = ["/run/docker/plugins"]
    public static let defaultSpecDirectories = ["/etc/docker/plugins", "/usr/lib/docker/plugins"]

    public var extraDirectories: [String]
    public var socketDirectories: [String]
    public var specDirectories: [String]
    let files: Files

    public init(extraDirectories: [String] = [], socketDirectories: [String] = Self.defaultSocketDirectories,
                specDirectories: [String] = Self.defaultSpecDirectories, files: Files = .system) {
        self.extraDirectories = extraDirectories
        self.socketDirectories = socketDirectories
        self.specDirectories = specDirectories
        self.files = files
    }

    /// The plugin's address, nil when no directory has it; a spec file that is there but
    /// cannot be used throws.
    public func locate(_ name: String) throws(PluginError) -> PluginAddress? {
        // A name is one path element: `../x` or `a/b` never leave the directories.
        guard !name.isEmpty, !name.contains("/"), name != ".", name != ".." else { return nil }
        for dir in extraDirectories + socketDirectories {
            for path in ["\(dir)/\(name).sock", "\(dir)/\(name)/\(name).sock"] where files.isSocket(path) { return .unix(path) }
        }
        for dir in extraDirectories + specDirectories {
            for base in ["\(dir)/\(name)", "\(dir)/\(name)/\(name)"] {
                if let bytes = files.read(base + ".spec") { return try PluginAddress.parse(String(decoding: bytes, as: UTF8.self)) }
                if let bytes = files.read(base + ".json") { return try PluginAddress.parseJSONSpec(bytes) }
            }
        }
        return nil
    }
}

extension PluginDiscovery.Files {
    /// The real file system (small files read whole; stat for sockets).
    public static let system = PluginDiscovery.Files(
        isSocket: { path in
            var st = stat()
            return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFSOCK
        },
        read: { path in
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var out: [UInt8] = []
            var buf = [UInt8](repeating: 0, count: 4096)
            while out.count < 65536 {
                let n = buf.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4096) }
                if n <= 0 { break }
                out += buf[0..<n]
            }
            return out
        })
}
