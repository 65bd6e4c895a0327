/// The constant parts of dockerd's default Linux spec (moby `oci/defaults.go`, 20.10), kept
/// together so they can be compared with Docker's side by side.
extension OCISpecBuilder {
    /// dockerd's default capability set (moby `oci/caps/defaults.go`), for bounding, effective
    /// and permitted. A non-root user loses effective and permitted ones at `execve`, as with Docker.
    public static let defaultCapabilities = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]

    /// `PATH` when neither the image nor the user sets one (Go's `system.DefaultPathEnv`).
    public static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Paths hidden from the container (`/dev/null` bind-mounted over files, an empty read-only
    /// tmpfs over directories).
    public static let maskedPaths = [
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware",
        "/sys/devices/virtual/powercap",
    ]

    /// Paths the container sees read-only.
    public static let readonlyPaths = [
        "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ]

    /// The mounts every container gets, before its own bind mounts. `/dev/shm` is 64 MiB, as
    /// dockerd's default `--shm-size`.
    public static let standardMounts: [OCISpec.Mount] = [
        .init(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
        .init(
            destination: "/dev", type: "tmpfs", source: "tmpfs",
            options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
        .init(
            destination: "/dev/pts", type: "devpts", source: "devpts",
            options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
        .init(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
        .init(
            destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
            options: ["ro", "nosuid", "noexec", "nodev"]),
        .init(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
        .init(
            destination: "/dev/shm", type: "tmpfs", source: "shm",
            options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
    ]

    /// The device cgroup: deny everything, then allow the devices runc creates in `/dev`
    /// (null, zero, full, random, urandom, tty, console, ptmx, the pts slaves) and tun, as dockerd.
    public static let deviceRules: [OCISpec.DeviceRule] = [
        .init(allow: false, access: "rwm"),
        .init(allow: true, type: "c", major: 1, minor: 5, access: "rwm"),  // /dev/zero
        .init(allow: true, type: "c", major: 1, minor: 3, access: "rwm"),  // /dev/null
        .init(allow: true, type: "c", major: 1, minor: 9, access: "rwm"),  // /dev/urandom
        .init(allow: true, type: "c", major: 1, minor: 8, access: "rwm"),  // /dev/random
        .init(allow: true, type: "c", major: 1, minor: 7, access: "rwm"),  // /dev/full
        .init(allow: true, type: "c", major: 5, minor: 0, access: "rwm"),  // /dev/tty
        .init(allow: true, type: "c", major: 5, minor: 1, access: "rwm"),  // /dev/console
        .init(allow: true, type: "c", major: 5, minor: 2, access: "rwm"),  // /dev/ptmx
        .init(allow: true, type: "c", major: 136, access: "rwm"),  // /dev/pts/*
        .init(allow: true, type: "c", major: 10, minor: 200, access: "rwm"),  // /dev/net/tun
        .init(allow: false, type: "c", major: 10, minor: 229, access: "rwm"),  // /dev/fuse
    ]

    /// Sysctls dockerd sets in containers with their own network namespace (20.10+): binding
    /// ports below 1024 and ICMP echo sockets need no capability there.
    public static let networkSysctls = [
        "net.ipv4.ip_unprivileged_port_start": "0",
        "net.ipv4.ping_group_range": "0 2147483647",
    ]
}
