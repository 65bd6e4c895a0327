import BerthRuntime
import Testing

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

@Suite("OCI spec builder")
struct OCISpecBuilderTests {
    /// A host whose hard open-files limit is 20000 and process limit 32768, like these VMs.
    private let builder = OCISpecBuilder(hostRlimits: HostRlimits(hard: [.RLIMIT_NOFILE: 20000, .RLIMIT_NPROC: 32768]))

    private func spec(
        network: String? = "/run/berth/netns/c1", tty: Bool = false, env: [String] = [],
        mounts: [ContainerSpec.BindMount] = [], rlimits: [Rlimit] = Rlimit.defaults
    ) -> ContainerSpec {
        ContainerSpec(
            id: "c1", rootfs: "/var/lib/berth/rootfs/c1", args: ["sh", "-c", "echo hi"], env: env, cwd: "/work",
            hostname: "c1host", tty: tty, user: .init(uid: 1000, gid: 1000, additionalGids: [10]),
            networkNamespacePath: network, mounts: mounts, readonlyRootfs: true, rlimits: rlimits)
    }

    @Test("own network namespace: new mount, uts, pid, ipc; network joined by path")
    func namespaces() throws {
        let oci = try builder.build(spec())
        #expect(oci.linux.namespaces.map(\.type) == ["mount", "network", "uts", "pid", "ipc"])
        #expect(oci.linux.namespaces.first { $0.type == "network" }?.path == "/run/berth/netns/c1")
        #expect(oci.linux.namespaces.filter { $0.type != "network" }.allSatisfy { $0.path == nil })
        // Docker's sysctls apply inside the container's own network namespace.
        #expect(oci.linux.sysctl?["net.ipv4.ip_unprivileged_port_start"] == "0")
        #expect(oci.linux.sysctl?["net.ipv4.ping_group_range"] == "0 2147483647")
    }

    @Test("host network: no network namespace entry and no network sysctls")
    func hostNetwork() throws {
        let oci = try builder.build(spec(network: nil))
        #expect(oci.linux.namespaces.map(\.type) == ["mount", "uts", "pid", "ipc"])
        #expect(oci.linux.sysctl == nil)
    }

    @Test("process: args, cwd, user, terminal, Docker's default capabilities")
    func process() throws {
        let oci = try builder.build(spec(tty: true))
        #expect(oci.process.args == ["sh", "-c", "echo hi"])
        #expect(oci.process.cwd == "/work")
        #expect(oci.process.terminal)
        #expect(oci.process.user == .init(uid: 1000, gid: 1000, additionalGids: [10]))
        #expect(oci.process.noNewPrivileges == false)
        let caps = try #require(oci.process.capabilities)
        #expect(caps.bounding.count == 14)
        #expect(Set(caps.bounding) == Set(OCISpecBuilder.defaultCapabilities))
        #expect(caps.effective == caps.bounding && caps.permitted == caps.bounding)
        #expect(!caps.bounding.contains("CAP_SYS_ADMIN") && !caps.bounding.contains("CAP_NET_ADMIN"))
        #expect(oci.hostname == "c1host")
        #expect(oci.root == .init(path: "/var/lib/berth/rootfs/c1", readonly: true))
    }

    @Test("environment: PATH, HOSTNAME, TERM first; user entries replace, append, or unset")
    func environment() throws {
        var s = spec(tty: true, env: ["FOO=1", "PATH=/custom/bin", "TERM", "FOO=2", "EMPTY="])
        #expect(
            OCISpecBuilder.environment(for: s) == ["PATH=/custom/bin", "HOSTNAME=c1host", "FOO=2", "EMPTY="])
        s.tty = false
        s.env = []
        #expect(
            try builder.build(s).process.env == ["PATH=" + OCISpecBuilder.defaultPath, "HOSTNAME=c1host"])
    }

    @Test("standard mounts as Docker's default spec, then bind mounts parents first")
    func mounts() throws {
        let oci = try builder.build(
            spec(mounts: [
                .init(source: "/data/hosts", destination: "/etc/hosts", readonly: false),
                .init(source: "/data/resolv.conf", destination: "/etc/resolv.conf", readonly: true),
                .init(source: "/data/deep", destination: "/srv/a/b"),
                .init(source: "/data/top", destination: "/srv"),
            ]))
        #expect(
            oci.mounts.map(\.destination) == [
                "/proc", "/dev", "/dev/pts", "/sys", "/sys/fs/cgroup", "/dev/mqueue", "/dev/shm",
                "/srv", "/etc/hosts", "/etc/resolv.conf", "/srv/a/b",
            ])
        let byDestination = Dictionary(uniqueKeysWithValues: oci.mounts.map { ($0.destination, $0) })
        #expect(byDestination["/proc"]?.type == "proc")
        #expect(byDestination["/sys"]?.options?.contains("ro") == true)
        #expect(byDestination["/sys/fs/cgroup"]?.type == "cgroup")
        #expect(byDestination["/dev/pts"]?.options?.contains("newinstance") == true)
        #expect(byDestination["/dev/shm"]?.options?.contains("size=65536k") == true)
        #expect(byDestination["/dev/mqueue"]?.type == "mqueue")
        #expect(
            byDestination["/etc/hosts"]
                == .init(destination: "/etc/hosts", type: "bind", source: "/data/hosts", options: ["rbind", "rprivate"]))
        #expect(byDestination["/etc/resolv.conf"]?.options == ["rbind", "rprivate", "ro"])
    }

    @Test("a bind mount on /dev/shm replaces the standard tmpfs")
    func replacedStandardMount() throws {
        let oci = try builder.build(spec(mounts: [.init(source: "/run/shm-c1", destination: "/dev/shm/")]))
        let shm = oci.mounts.filter { $0.destination == "/dev/shm" }
        #expect(shm.count == 1)
        #expect(shm.first?.type == "bind")
    }

    @Test("masked and read-only paths, device rules, cgroups path")
    func linuxSection() throws {
        let oci = try builder.build(spec())
        #expect(oci.linux.maskedPaths?.contains("/proc/kcore") == true)
        #expect(oci.linux.maskedPaths?.contains("/sys/firmware") == true)
        #expect(oci.linux.readonlyPaths == ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
        let devices = try #require(oci.linux.resources?.devices)
        #expect(devices.first == .init(allow: false, access: "rwm"))
        #expect(devices.contains(.init(allow: true, type: "c", major: 1, minor: 3, access: "rwm")))
        #expect(oci.linux.cgroupsPath == "/berth/c1")
        #expect(OCISpecBuilder.cgroupsPath(parent: "/berth-test/", id: "x") == "/berth-test/x")
        #expect(OCISpecBuilder.cgroupsPath(parent: "/", id: "x") == "/x")
    }

    @Test("rlimits are capped at the host's hard limits, soft never above hard")
    func rlimitsCapped() throws {
        let oci = try builder.build(
            spec(rlimits: [
                Rlimit(.RLIMIT_NOFILE, soft: 1_048_576, hard: 1_048_576),
                Rlimit(.RLIMIT_NPROC, soft: 1024, hard: 4_194_304),
                Rlimit(.RLIMIT_CORE, soft: 0, hard: Rlimit.infinity),
            ]))
        #expect(
            oci.process.rlimits == [
                .init(type: "RLIMIT_NOFILE", hard: 20000, soft: 20000),
                .init(type: "RLIMIT_NPROC", hard: 32768, soft: 1024),
                // No known ceiling for RLIMIT_CORE: passed through.
                .init(type: "RLIMIT_CORE", hard: Rlimit.infinity, soft: 0),
            ])
        // The default asks for dockerd's 1048576 open files; this host allows 20000.
        #expect(try builder.build(spec()).process.rlimits == [.init(type: "RLIMIT_NOFILE", hard: 20000, soft: 20000)])
    }

    @Test("HostRlimits.current() reads this process's hard limits")
    func currentLimits() throws {
        var value = rlimit()
        #expect(getrlimit(__rlimit_resource_t(UInt32(Rlimit.Resource.RLIMIT_NOFILE.rawValue)), &value) == 0)
        #expect(HostRlimits.current().hard[.RLIMIT_NOFILE] == UInt64(value.rlim_max))
        #expect(Rlimit.Resource(name: "nofile") == .RLIMIT_NOFILE)
        #expect(Rlimit.Resource(name: "RLIMIT_NPROC") == .RLIMIT_NPROC)
        #expect(Rlimit.Resource(name: "bogus") == nil)
    }

    @Test(
        "invalid specs are refused with a message naming the field",
        arguments: [
            ("bad/id", "invalid container id"),
            ("", "invalid container id"),
        ])
    func invalidIDs(id: String, message: String) throws {
        var s = spec()
        s.id = id
        let error = #expect(throws: RuntimeError.self) { try builder.build(s) }
        #expect(error?.description.contains(message) == true)
        #expect(error?.code == .invalidArgument)
    }

    @Test("invalid fields: relative paths, empty command, soft above hard")
    func invalidFields() {
        var cases: [(ContainerSpec, String)] = []
        var s = spec()
        s.rootfs = "rootfs"
        cases.append((s, "root filesystem"))
        s = spec()
        s.args = []
        cases.append((s, "no command specified"))
        s = spec()
        s.cwd = "work"
        cases.append((s, "working directory"))
        s = spec(network: "netns/c1")
        cases.append((s, "network namespace"))
        s = spec(mounts: [.init(source: "/a", destination: "etc/hosts")])
        cases.append((s, "invalid mount"))
        s = spec(rlimits: [Rlimit(.RLIMIT_NOFILE, soft: 2, hard: 1)])
        cases.append((s, "soft limit"))
        s = spec()
        s.cgroupParent = "/berth/../escape"
        cases.append((s, "cgroup parent"))
        s = spec(env: ["=x"])
        cases.append((s, "environment variable"))
        for (bad, message) in cases {
            let error = #expect(throws: RuntimeError.self) { try builder.build(bad) }
            #expect(error?.description.contains(message) == true, "\(message): \(String(describing: error))")
        }
    }

    @Test("config.json: sorted keys, unescaped slashes, optionals left out, decodes back")
    func encoding() throws {
        let oci = try builder.build(spec(network: nil))
        let bytes = try OCISpecBuilder.encode(oci)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.hasPrefix("{\"hostname\":\"c1host\",\"linux\":{\"cgroupsPath\":\"/berth/c1\""))
        #expect(!text.contains("\\/"))
        #expect(!text.contains("\"sysctl\""))
        #expect(!text.contains("null"))
        #expect(try JSONDecoder().decode(OCISpec.self, from: Data(bytes)) == oci)
    }

    @Test("exec process: PATH added when missing, container capabilities, no command refused")
    func execProcess() throws {
        let p = try builder.execProcess(ExecProcess(args: ["ls"], env: ["A=1"], cwd: "/tmp"))
        #expect(p.env == ["PATH=" + OCISpecBuilder.defaultPath, "A=1"])
        #expect(p.capabilities?.bounding == OCISpecBuilder.defaultCapabilities)
        #expect(p.cwd == "/tmp" && !p.terminal && p.rlimits == nil)
        #expect(try builder.execProcess(ExecProcess(args: ["ls"], env: ["PATH=/x"])).env == ["PATH=/x"])
        #expect(throws: RuntimeError.self) { try builder.execProcess(ExecProcess(args: [])) }
    }
}
