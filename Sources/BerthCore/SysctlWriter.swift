import Synchronization

/// The seam at the sysctl boundary of the daemon's namespace (`net.ipv4.ip_forward`, a bridge's
/// `route_localnet` or `disable_ipv6`). Keys are dotted names or `/proc/sys` paths (for interface
/// names with dots). `LinuxSysctls` writes them; `RecordingSysctls` records them for tests, so no
/// test ever writes the machine's own settings.
public protocol SysctlWriter: Sendable {
    /// Writes each item in turn; throws at the first that cannot be written.
    func set(_ items: [(key: String, value: String)]) async throws
    /// Reads one value (trimmed); nil when the key does not exist.
    func get(_ key: String) async -> String?
}

/// Writes sysctls of the daemon's own network namespace (or of the namespace pinned at
/// `namespacePath`), from a thread Berth owns.
public struct LinuxSysctls: SysctlWriter {
    let namespacePath: String?

    public init(namespacePath: String? = nil) { self.namespacePath = namespacePath }

    public func get(_ key: String) async -> String? {
        // Reads only happen in the daemon's own namespace (ip_forward, the port range).
        namespacePath == nil ? await NetworkNamespace.readSysctl(key) : nil
    }

    public func set(_ items: [(key: String, value: String)]) async throws {
        if let namespacePath {
            try await NetworkNamespace.setSysctls(items, at: namespacePath)
        } else {
            try await NetworkNamespace.setSysctls(items)
        }
    }
}

/// Records sysctl writes; can be told that a key is missing (as for an interface the kernel lacks).
public final class RecordingSysctls: SysctlWriter {
    private let state = Mutex<(written: [String: String], missing: Set<String>)>(([:], []))

    public init() {}

    /// Every key written, with its last value.
    public var written: [String: String] { state.withLock { $0.written } }

    /// Sets what `get` answers before anything is written (the kernel's starting value).
    public func preset(_ key: String, _ value: String) { state.withLock { $0.written[key] = value } }

    public func get(_ key: String) async -> String? { state.withLock { $0.written[key] } }

    /// Makes writes of `key` fail as a missing /proc/sys file would.
    public func makeMissing(_ key: String) { state.withLock { _ = $0.missing.insert(key) } }

    public func set(_ items: [(key: String, value: String)]) async throws {
        try state.withLock { s in
            for (key, value) in items {
                if s.missing.contains(key) { throw NetworkNamespace.Error.system(call: "open", path: key, errno: 2) }
                s.written[key] = value
            }
        }
    }
}
