#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthNetwork
import BerthRuntime
import BerthStore
import Foundation

extension ContainerService {
    /// Starts a container: its sandbox (a network namespace Berth makes before the process
    /// exists), its endpoints, its /etc files, its root filesystem, then runc under conmon.
    /// The start is journaled; whatever was made is undone if a later step fails, and the error
    /// is kept in its state.
    public func start(_ ref: String) async throws {
        var c = try find(ref)
        if c.status == .running { return }
        // A restart right after an exit: the previous run's teardown must finish first (it removes
        // the sandbox at the same key).
        if let teardown = teardowns[c.id] { await teardown.value }
        c = try find(c.id)
        if c.status == .running { return }
        guard starting.insert(c.id).inserted else {
            throw BerthError.conflict("container \(c.name) is being started by another request; wait for it")
        }
        defer { starting.remove(c.id) }
        // Journaled: a crash before the running state is saved is rolled forward at restart if
        // the process runs, back otherwise (ContainerService.restore).
        let change = try await JournaledChange.begin(.start, subject: c.id, plan: [IntentRecord.PlanKey.sandbox: paths.sandboxKey(c.id)], in: store)
        let id = c.id
        let priorStatus = c.status
        let clock = ContinuousClock()
        var mark = clock.now
        var steps: [String] = []
        func lap(_ name: String) {
            let now = clock.now
            steps.append("\(name)=\((now - mark).formatted(.units(allowed: [.milliseconds], fractionalPart: .show(length: 1))))")
            mark = now
        }
        do {
            let sandbox = try await makeSandbox(c)
            let joined = c.networkMode.hasPrefix("container:")
            if let key = sandbox, !joined { change.onUndo { try? await NetworkNamespace.unpin(at: key) } }
            lap("sandbox")
            Failpoint.hit("start.after-sandbox")
            change.onUndo { [network] in try? await network.disconnectAll(containerID: id) }
            if let key = sandbox, !joined {
                let ports = Self.portRequests(c)
                for request in c.networks {
                    _ = try await network.connect(request.network, EndpointRequest(
                        containerID: c.id, containerName: c.name, sandboxKey: key, ipv4: request.ipv4,
                        ipv6: request.ipv6, macAddress: request.macAddress, aliases: request.aliases, ports: ports,
                        linkLocalIPs: request.linkLocalIPs ?? [], interfaceName: request.driverOpts?[EndpointRequest.interfaceNameOption]))
                    Failpoint.hit("start.after-connect")
                }
            }
            lap("endpoints")
            change.onUndo { await self.forgetDNS(id) }
            // Read once per start: the DNS server's upstreams and resolv.conf both come from it.
            let hostResolv = await readHostResolvConf()
            let embeddedDNS = try await refreshDNS(c, hostResolv: hostResolv)
            lap("dns")
            Failpoint.hit("start.after-dns")
            let linkEnv = try await linkFacts(c, requireRunning: true).env
            let mounts = try await writeEtcFiles(c, embeddedDNS: embeddedDNS, hostResolv: hostResolv)
            lap("files")
            let root = try await rootfs.prepare(containerID: c.id)
            lap("rootfs")
            change.onUndo { [rootfs] in try? await rootfs.release(containerID: id) }
            let directory = paths.containerDirectory(c.id)
            try await ContainerFiles.makeDirectories([directory + "/bundle", paths.exitDirectory])
            var spec = ContainerSpec(
                id: c.id, rootfs: root, args: c.entrypoint + c.cmd, env: linkEnv + c.env,
                cwd: c.workingDir.isEmpty ? "/" : c.workingDir, hostname: c.hostname, tty: c.tty, openStdin: c.openStdin,
                networkNamespacePath: sandbox, mounts: mounts)
            spec.stdinOnce = c.stdinOnce
            spec.memoryLimit = c.memoryLimit
            if let size = c.consoleSize, size.count == 2 { spec.consoleSize = .init(height: size[0], width: size[1]) }
            // No runtime state is left to clear here: every run ends in a teardown that deletes it
            // (restore tears down runs that died with a previous daemon), and create refuses a
            // leftover instead of overwriting it.
            let pid = try await runtime.create(spec, bundle: directory + "/bundle", logPath: directory + "/container.log", exitDirectory: paths.exitDirectory)
            change.onUndo { [runtime] in try? await runtime.delete(id: id, force: true) }
            lap("runtime-create")
            Failpoint.hit("start.after-runc-create")
            await resolvePendingAttaches(c.id, connect: true)
            try await runtime.start(id: c.id)
            lap("runtime-start")
            Failpoint.hit("start.after-runc-start")
            c.status = .running
            c.pid = pid
            c.startedAt = Timestamp.now().nanoseconds
            c.finishedAt = 0
            c.exitCode = 0
            c.error = ""
            containers[c.id] = c
            try await change.finish([.saveContainer(c)])
            Failpoint.hit("start.after-save")
            watch(c.id)
            await refreshLinkers(of: c)
            logger.info("container started", metadata: ["name": "\(c.name)", "pid": "\(pid)"])
            publish("start", c)
            logger.debug("start timings", metadata: ["steps": "\(steps.joined(separator: " "))"])
        } catch {
            await resolvePendingAttaches(c.id, connect: false)
            await change.rollback()
            if c.status == .running {
                // The running state was never committed: the container is as it was.
                c.status = priorStatus
                c.pid = 0
            }
            c.error = BerthError.wrap(error).message
            containers[c.id] = c
            try? await store.saveContainer(c)
            // `run --rm` waits for the removal; dockerd removes an auto-remove container whose start failed.
            if c.autoRemove {
                starting.remove(c.id)
                try? await remove(c.id, force: true)
            }
            throw error
        }
    }

    /// The ports to publish: the `-p` bindings, and with `-P` every other exposed port on a host
    /// port of Berth's choosing.
    static func portRequests(_ c: ContainerRecord) -> [PortBindingRequest] {
        var out = c.portBindings
        if c.publishAllPorts {
            let bound = Set(out.map(\.portKey))
            for key in c.exposedPorts where !bound.contains(key) {
                if let (port, proto) = try? PortSpec.key(key) { out.append(PortBindingRequest(containerPort: port, proto: proto)) }
            }
        }
        return out
    }

    /// The container whose sandbox `c` joins (`--network container:<id>`), which must be running.
    func sandboxOwner(_ c: ContainerRecord) throws -> ContainerRecord? {
        guard c.networkMode.hasPrefix("container:") else { return nil }
        let ownerID = String(c.networkMode.dropFirst("container:".count))
        guard let owner = containers[ownerID] else { throw BerthError.notFound("No such container: \(ownerID)") }
        guard owner.status == .running else {
            throw BerthError.conflict("cannot join network of a non running container: \(owner.id)")
        }
        return owner
    }

    /// The sandbox key, or nil for `--network host` (the daemon's own namespace).
    private func makeSandbox(_ c: ContainerRecord) async throws -> String? {
        if c.networkMode == "host" { return nil }
        if let owner = try sandboxOwner(c) { return paths.sandboxKey(owner.id) }
        var ipv6 = false
        for request in c.networks {
            ipv6 = try await network.find(request.network).record.enableIPv6 || request.wantsIPv6LinkLocal || ipv6
        }
        let key = paths.sandboxKey(c.id)
        try await ContainerFiles.makeDirectories([paths.execRoot + "/netns"])
        try? await NetworkNamespace.unpin(at: key)
        // As dockerd 20.10: no IPv6 at all (not even ::1 or fe80:: addresses) in a container none
        // of whose networks has IPv6.
        try await NetworkNamespace.create(at: key, sysctls: ipv6 ? [] : [
            ("net.ipv6.conf.all.disable_ipv6", "1"), ("net.ipv6.conf.default.disable_ipv6", "1"),
        ])
        if c.networks.isEmpty {
            // --network none: only a loopback, up.
            try await network.bringUpLoopback(sandboxKey: key)
        }
        return key
    }

    /// Writes hosts, hostname and resolv.conf for the container and returns their bind mounts. The
    /// files are rewritten in place (a running container sees them through bind mounts of these inodes).
    func writeEtcFiles(_ c: ContainerRecord, embeddedDNS: Bool, hostResolv known: ResolvConf? = nil) async throws -> [ContainerSpec.BindMount] {
        if let owner = try sandboxOwner(c) {
            // Sharing a sandbox means sharing its identity files too, as dockerd does.
            let dir = paths.containerDirectory(owner.id)
            return [
                .init(source: dir + "/hosts", destination: "/etc/hosts"),
                .init(source: dir + "/resolv.conf", destination: "/etc/resolv.conf"),
                .init(source: dir + "/hostname", destination: "/etc/hostname"),
            ]
        }
        let dir = paths.containerDirectory(c.id)
        try await ContainerFiles.makeDirectories([dir])
        let hostResolv = if let known { known } else { await readHostResolvConf() }
        let hosts: String
        let resolv: ResolvConf
        if c.networkMode == "host" {
            hosts = await ContainerFiles.read(paths.hostHosts) ?? EtcHosts().rendered
            resolv = hostResolv
        } else {
            var h = EtcHosts(extra: await extraHostRecords(c) + (try await linkFacts(c, requireRunning: false).hosts))
            for e in await network.endpoints(container: c.id) where !e.ipv4Address.isEmpty {
                if await network.isGatewayBridge(e.networkID) { continue }
                let ip = e.ipv4Address.split(separator: "/").first.map(String.init) ?? e.ipv4Address
                h.own.append(.init(address: ip, names: EtcHosts.ownNames(hostname: c.hostname, domainname: c.domainname)))
            }
            hosts = h.rendered
            resolv = ResolvConf.forContainer(
                host: hostResolv, embeddedDNS: embeddedDNS, dns: c.dns.isEmpty ? defaults.dns : c.dns,
                dnsSearch: c.dnsSearch, dnsOptions: c.dnsOptions)
        }
        try await ContainerFiles.write([
            (dir + "/hosts", hosts), (dir + "/resolv.conf", resolv.rendered), (dir + "/hostname", c.hostname + "\n"),
        ])
        return [
            .init(source: dir + "/hosts", destination: "/etc/hosts"),
            .init(source: dir + "/resolv.conf", destination: "/etc/resolv.conf"),
            .init(source: dir + "/hostname", destination: "/etc/hostname"),
        ]
    }

    /// `name:ip` or `name=ip` from `--add-host`.
    static func extraHost(_ s: String) -> EtcHosts.Record? {
        guard let i = s.firstIndex(where: { $0 == ":" || $0 == "=" }) else { return nil }
        var ip = String(s[s.index(after: i)...])
        if ip.hasPrefix("[") && ip.hasSuffix("]") { ip = String(ip.dropFirst().dropLast()) }
        return EtcHosts.Record(address: ip, names: [String(s[..<i])])
    }
}
