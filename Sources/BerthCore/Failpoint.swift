#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Named crash points, for the crash-consistency tests: berthd dies by SIGKILL at a step of an
/// operation (`BERTH_FAILPOINT=start.after-runc-create`, or `name@N` for the Nth time it is
/// reached; several separated by `;`). Compiled in, off by default: berthd refuses the variable
/// unless started with `--enable-failpoints`, and refuses names it does not know. When nothing is
/// armed, `hit` costs one lock and a dictionary lookup of an empty table.
public enum Failpoint {
    /// Every crash point, in the order an operation reaches them.
    public static let names: [String] = [
        "create.after-rootfs", "start.after-sandbox", "start.after-connect", "start.after-dns", "start.after-runc-create",
        "start.after-runc-start", "start.after-save",
        "join.after-veth", "connect.after-join", "connect.after-save",
        "netconnect.after-endpoint",
        "disconnect.after-leave", "disconnect.after-delete",
        "netdisconnect.after-network",
        "exited.after-save", "teardown.after-disconnect",
        "remove.after-mark", "remove.after-teardown", "remove.after-files",
        "bridge.after-newlink", "netcreate.after-bridge", "netrm.after-driver",
        "restore.after-intent",
    ]

    /// Which points are armed and how many more times each is reached before it fires.
    public struct Table: Sendable, Equatable {
        public private(set) var remaining: [String: Int] = [:]

        /// Reads `spec` (the variable's value): `a;b@2`. Throws a message naming what is wrong.
        public init(_ spec: String, enabled: Bool) throws(BerthError) {
            let entries = spec.split(separator: ";").map { $0.trimmingCharacters() }.filter { !$0.isEmpty }
            guard !entries.isEmpty else { return }
            guard enabled else {
                throw .invalidArgument("BERTH_FAILPOINT is set but failpoints are disabled: they are for the crash tests; start berthd with --enable-failpoints or unset BERTH_FAILPOINT")
            }
            for entry in entries {
                let parts = entry.split(separator: "@", maxSplits: 1).map(String.init)
                guard Failpoint.names.contains(parts[0]) else {
                    throw .invalidArgument("unknown failpoint \"\(parts[0])\"; known: \(Failpoint.names.joined(separator: ", "))")
                }
                let count = parts.count == 2 ? Int(parts[1]) : 1
                guard let count, count > 0 else { throw .invalidArgument("invalid failpoint count in \"\(entry)\": use NAME@N with N ≥ 1") }
                remaining[parts[0]] = count
            }
        }

        /// Counts one arrival at `name`; true when the point fires now.
        public mutating func reach(_ name: String) -> Bool {
            guard let left = remaining[name] else { return false }
            if left <= 1 { remaining[name] = nil; return true }
            remaining[name] = left - 1
            return false
        }
    }

    private static let armed = Mutex(try! Table("", enabled: false))

    /// Arms the points `spec` names (berthd does this once, before it serves).
    public static func arm(_ spec: String, enabled: Bool) throws(BerthError) {
        let table = try Table(spec, enabled: enabled)
        armed.withLock { $0 = table }
    }

    /// Reached a crash point: if it is armed and this is the Nth time, berthd kills itself.
    public static func hit(_ name: String) {
        guard armed.withLock({ $0.reach(name) }) else { return }
        let line = "berthd: failpoint \(name) fired: SIGKILL\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        kill(getpid(), SIGKILL)
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
