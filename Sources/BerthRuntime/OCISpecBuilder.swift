#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builds the OCI runtime configuration (`config.json`) of a container the way dockerd's default
/// spec does: new pid, mount, uts and ipc namespaces, the network namespace joined by path (or the
/// daemon's own for host networking), Docker's standard mounts, capabilities, masked and read-only
/// paths and device rules, a cgroupfs path `<parent>/<id>`, and resource limits capped to what this
/// host lets runc set.
///
/// Pure: the host's limits come in as a value, so the result depends only on the inputs.
public struct OCISpecBuilder: Sendable {
    /// The OCI runtime-spec version written into `config.json`.
    public static let ociVersion = "1.0.2"

    /// The ceiling for every requested resource limit.
    public var hostRlimits: HostRlimits

    /// A builder capping limits at `hostRlimits` (by default, the calling process's hard limits).
    public init(hostRlimits: HostRlimits = .current()) {
        self.hostRlimits = hostRlimits
    }

    /// The configuration for `spec`, or `RuntimeError.invalidSpec` naming the field to fix.
    public func build(_ spec: ContainerSpec) throws -> OCISpec {
        try Self.validate(spec)
        var process = OCISpec.Process(
            terminal: spec.tty,
            user: Self.user(spec.user),
            args: spec.args,
            env: Self.environment(for: spec),
            cwd: spec.cwd,
            capabilities: Self.capabilities,
            rlimits: spec.rlimits.map { hostRlimits.cap($0) }.map {
                OCISpec.POSIXRlimit(type: $0.resource.name, hard: $0.hard, soft: $0.soft)
            },
            noNewPrivileges: false)
        if spec.tty { process.consoleSize = spec.consoleSize }

        // dockerd's order: mount, network, uts, pid, ipc. No network entry means the runtime
        // leaves the container in the daemon's own network namespace (host networking).
        var namespaces = [OCISpec.Namespace(type: "mount")]
        if let path = spec.networkNamespacePath {
            namespaces.append(.init(type: "network", path: path))
        }
        namespaces += [.init(type: "uts"), .init(type: "pid"), .init(type: "ipc")]

        let linux = OCISpec.Linux(
            namespaces: namespaces,
            cgroupsPath: Self.cgroupsPath(parent: spec.cgroupParent, id: spec.id),
            resources: .init(devices: Self.deviceRules, memory: spec.memoryLimit.map { .init(limit: $0) }),
            // In the host's namespace these would change the host's settings.
            sysctl: spec.networkNamespacePath == nil ? nil : Self.networkSysctls,
            maskedPaths: Self.maskedPaths,
            readonlyPaths: Self.readonlyPaths)

        return OCISpec(
            ociVersion: Self.ociVersion,
            process: process,
            root: .init(path: spec.rootfs, readonly: spec.readonlyRootfs),
            hostname: spec.hostname,
            mounts: Self.mounts(for: spec),
            linux: linux)
    }

    /// The process of a non-interactive exec session (`runc exec --process`): the container's
    /// capabilities, no terminal, `PATH` added when missing.
    public func execProcess(_ exec: ExecProcess) throws -> OCISpec.Process {
        guard !exec.args.isEmpty else { throw RuntimeError.invalidSpec("exec: no command given") }
        guard exec.cwd.hasPrefix("/") else {
            throw RuntimeError.invalidSpec("exec: the working directory \"\(exec.cwd)\" must be an absolute path")
        }
        var env = exec.env
        if !env.contains(where: { $0.hasPrefix("PATH=") }) {
            env.insert("PATH=" + Self.defaultPath, at: 0)
        }
        return OCISpec.Process(
            terminal: exec.tty, user: Self.user(exec.user), args: exec.args, env: env, cwd: exec.cwd,
            capabilities: Self.capabilities, rlimits: nil, noNewPrivileges: false)
    }

    /// The container's environment as dockerd composes it: `PATH` (default), `HOSTNAME`, `TERM=xterm`
    /// with a terminal, then `spec.env`, each entry replacing an earlier one with the same key; an
    /// entry without `=` removes the key (moby's `ReplaceOrAppendEnvValues`).
    public static func environment(for spec: ContainerSpec) -> [String] {
        var env: [String?] = ["PATH=" + defaultPath, "HOSTNAME=" + spec.hostname]
        if spec.tty { env.append("TERM=xterm") }
        func key(_ entry: String) -> Substring {
            entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)[0]
        }
        for entry in spec.env {
            let k = key(entry)
            let existing = env.firstIndex { $0.map { key($0) == k } ?? false }
            if !entry.contains("=") {
                if let i = existing { env[i] = nil }
            } else if let i = existing {
                env[i] = entry
            } else {
                env.append(entry)
            }
        }
        return env.compactMap { $0 }
    }

    /// `<parent>/<id>`: with the cgroupfs driver, runc creates this path in every hierarchy
    /// (`/sys/fs/cgroup/<controller>/berth/<id>` on cgroup v1, `/sys/fs/cgroup/berth/<id>` on v2).
    public static func cgroupsPath(parent: String, id: String) -> String {
        var parent = parent
        while parent.count > 1 && parent.hasSuffix("/") { parent.removeLast() }
        return parent == "/" ? "/" + id : parent + "/" + id
    }

    /// `config.json` bytes: sorted keys, so equal specs give equal files.
    public static func encode(_ spec: OCISpec) throws -> [UInt8] {
        try encodeJSON(spec, what: "the OCI spec")
    }

    /// A `process.json` for `runc exec --process`.
    static func encodeProcess(_ process: OCISpec.Process) throws -> [UInt8] {
        try encodeJSON(process, what: "the exec process")
    }

    private static func encodeJSON(_ value: some Encodable, what: String) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch {
            throw RuntimeError.malformed("cannot encode \(what): \(error)")
        }
    }

    private static var capabilities: OCISpec.Capabilities {
        .init(bounding: defaultCapabilities, effective: defaultCapabilities, permitted: defaultCapabilities)
    }

    private static func user(_ user: ContainerSpec.User) -> OCISpec.User {
        .init(uid: user.uid, gid: user.gid, additionalGids: user.additionalGids.isEmpty ? nil : user.additionalGids)
    }

    /// Standard mounts, minus any the container replaces with its own, then its bind mounts,
    /// parents before children (dockerd sorts by path depth so a mount never hides a later one).
    private static func mounts(for spec: ContainerSpec) -> [OCISpec.Mount] {
        let own = Set(spec.mounts.map { normalize($0.destination) })
        var mounts = standardMounts.filter { !own.contains($0.destination) }
        let binds = spec.mounts.enumerated().sorted { a, b in
            let da = depth(a.element.destination)
            let db = depth(b.element.destination)
            return da != db ? da < db : a.offset < b.offset
        }
        for (_, bind) in binds {
            mounts.append(
                .init(
                    destination: normalize(bind.destination), type: "bind", source: bind.source,
                    options: ["rbind", "rprivate"] + (bind.readonly ? ["ro"] : [])))
        }
        return mounts
    }

    private static func depth(_ path: String) -> Int {
        path.split(separator: "/").count
    }

    private static func normalize(_ path: String) -> String {
        "/" + path.split(separator: "/").joined(separator: "/")
    }

    /// Rejects what runc would refuse later with a less helpful message.
    private static func validate(_ spec: ContainerSpec) throws {
        guard isValidID(spec.id) else {
            throw RuntimeError.invalidSpec(
                "invalid container id \"\(spec.id)\": use letters, digits, '_', '+', '-' and '.' only")
        }
        guard spec.rootfs.hasPrefix("/") else {
            throw RuntimeError.invalidSpec("the root filesystem path \"\(spec.rootfs)\" must be absolute")
        }
        guard !spec.args.isEmpty, !(spec.args.first ?? "").isEmpty else {
            throw RuntimeError.invalidSpec("no command specified: the image has no Cmd or Entrypoint and none was given")
        }
        guard spec.cwd.hasPrefix("/") else {
            throw RuntimeError.invalidSpec("the working directory \"\(spec.cwd)\" is invalid, it needs to be an absolute path")
        }
        guard spec.hostname.utf8.count <= 64 else {
            throw RuntimeError.invalidSpec("the hostname \"\(spec.hostname)\" is longer than 64 characters")
        }
        if let path = spec.networkNamespacePath, !path.hasPrefix("/") {
            throw RuntimeError.invalidSpec("the network namespace path \"\(path)\" must be absolute")
        }
        guard spec.cgroupParent.hasPrefix("/"), !spec.cgroupParent.split(separator: "/").contains("..") else {
            throw RuntimeError.invalidSpec(
                "the cgroup parent \"\(spec.cgroupParent)\" must be an absolute path without \"..\"")
        }
        for mount in spec.mounts {
            guard mount.source.hasPrefix("/"), mount.destination.hasPrefix("/"), normalize(mount.destination) != "/" else {
                throw RuntimeError.invalidSpec(
                    "invalid mount \(mount.source):\(mount.destination): both paths must be absolute and the destination not \"/\"")
            }
        }
        for entry in spec.env where entry.isEmpty || entry.hasPrefix("=") || entry.utf8.contains(0) {
            throw RuntimeError.invalidSpec("invalid environment variable \"\(entry)\": expected KEY=value")
        }
        for limit in spec.rlimits where limit.soft > limit.hard {
            throw RuntimeError.invalidSpec(
                "ulimit \(limit.resource.name): the soft limit \(limit.soft) is above the hard limit \(limit.hard)")
        }
    }

    /// runc's rule for container ids: `^[\w+-\.]+$`, at most 1024 bytes.
    static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 1024 && id != "." && id != ".."
            && id.utf8.allSatisfy { c in
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)
                    || c == 0x5f || c == 0x2b || c == 0x2d || c == 0x2e
            }
    }
}
