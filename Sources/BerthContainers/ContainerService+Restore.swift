import BerthCore
import BerthNetwork
import BerthRuntime
import BerthStore
import Foundation

extension ContainerService {
    /// Loads containers and reconciles them with the runtime and the kernel, so a berthd killed at
    /// any step leaves nothing wrong behind (one log line per repair):
    /// - a container whose process runs is running: watched again, its sandbox re-pinned and made
    ///   to agree with its endpoint records, its DNS served again, even when the start that made
    ///   it was cut before it was recorded;
    /// - a record that says running whose process is gone is exited; one that is not running has
    ///   its leftovers (endpoints, sandbox, runtime state, mount) released;
    /// - a removal that was cut is finished;
    /// - endpoints of containers that do not run, and veths no endpoint owns, are removed, so no
    ///   address or host port stays held by nothing.
    public func restore() async throws {
        // Starts a crash cut: rolled forward when the process runs (adopted below), back
        // otherwise (torn down below); the intents go once every container is handled.
        let starts = try await store.intents().filter { $0.operation == .start }
        let cutStarts = Set(starts.map(\.subject))
        for var c in try await store.containers() {
            let state: RuntimeState?
            do {
                state = try await runtime.state(id: c.id)
            } catch let e as RuntimeError {
                if case .notFound = e { state = nil } else {
                    // Not an answer about the container: never tear down what may be alive.
                    logger.warning("runtime state unknown; keeping the record as it is", metadata: ["container": "\(c.name)", "error": "\(e)"])
                    // No exit watch either: a watch that cannot read the runtime would call it an exit.
                    containers[c.id] = c
                    continue
                }
            }
            if c.status == .removing {
                containers[c.id] = c
                logger.notice("repair: finishing a removal that was cut", metadata: ["container": "\(c.name)"])
                if state?.status == .running { try? await runtime.kill(id: c.id, signal: SIGKILL) }
                await teardown(c)
                try? await rootfs.remove(containerID: c.id)
                await ContainerFiles.remove(paths.containerDirectory(c.id))
                try? await store.deleteContainer(id: c.id)
                containers[c.id] = nil
                publish("destroy", c)
                continue
            }
            if let state, state.status == .running {
                if c.status != .running {
                    logger.notice(cutStarts.contains(c.id)
                        ? "repair: rolling forward a start cut by a crash (the process runs)"
                        : "repair: adopting a container that runs although its start was not recorded", metadata: ["container": "\(c.name)"])
                    c.status = .running
                    if let pid = state.pid, pid > 0 { c.pid = pid }
                    if c.startedAt == 0 { c.startedAt = Timestamp.now().nanoseconds }
                    c.finishedAt = 0
                    c.error = ""
                    try? await store.saveContainer(c)
                }
                containers[c.id] = c
                watch(c.id)
                await repinSandbox(c)
                let repaired = await repairNetworks(c)
                // The previous daemon's DNS sockets died with it: serve the sandbox again.
                if let current = containers[c.id] {
                    var embedded = false
                    do { embedded = try await refreshDNS(current, afterRestart: true) } catch {
                        logger.warning("embedded dns not restored", metadata: ["container": "\(c.name)", "error": "\(error)"])
                    }
                    // Its networks changed: /etc/hosts and resolv.conf follow (after the DNS
                    // server, whose presence decides the nameserver).
                    if repaired { _ = try? await writeEtcFiles(current, embeddedDNS: embedded) }
                }
                continue
            }
            if c.status == .running {
                c.status = .exited
                c.exitCode = state?.exitCode ?? 255
                c.finishedAt = Timestamp.now().nanoseconds
                c.pid = 0
                containers[c.id] = c
                await teardown(c)
                try await store.saveContainer(c)
                if c.autoRemove { try? await remove(c.id, force: true) }
                continue
            }
            containers[c.id] = c
            let pinned = await ContainerFiles.exists(paths.sandboxKey(c.id))
            let joined = await network.endpointNetworks(containerID: c.id)
            if state != nil || pinned || !joined.isEmpty || cutStarts.contains(c.id) {
                logger.notice(cutStarts.contains(c.id)
                    ? "repair: rolling back a start cut by a crash"
                    : "repair: releasing what a cut exit left", metadata: ["container": "\(c.name)"])
                await teardown(c)
            }
            // `run --rm` that does not run (its start or exit was cut): dockerd removes it at restore too.
            if c.autoRemove { try? await remove(c.id, force: true) }
        }
        for intent in starts { try? await store.commit([.deleteIntent(intent.id)]) }
        try await network.resolveCutDisconnects()
        await removeOrphanDirectories()
        let running = Set(containers.values.filter { $0.status == .running }.map(\.id))
        await network.dropEndpoints(keeping: running)
        await network.removeOrphanInterfaces()
        await network.resumeDrivers()
        logger.info("containers restored", metadata: ["count": "\(containers.count)"])
    }

    /// A running container after a crash: its sandbox's interfaces, its endpoint records and its
    /// record's networks must say the same thing (the endpoints and the kernel decide).
    /// Returns whether the record's networks changed.
    private func repairNetworks(_ c: ContainerRecord) async -> Bool {
        guard c.networkMode != "host", c.networkMode != "none", !c.networkMode.hasPrefix("container:") else { return false }
        await network.repairSandbox(containerID: c.id, sandboxKey: paths.sandboxKey(c.id))
        // The gateway endpoint of overlay containers is the daemon's, never one they asked for.
        let live = await network.endpointNetworks(containerID: c.id).filter { $0 != NetworkController.gatewayBridgeName }
        // Requests may name a network by id or prefix: compare what they resolve to.
        var resolved: [String: String] = [:]
        for r in c.networks { resolved[r.network] = (try? await network.find(r.network))?.name ?? r.network }
        var record = c
        record.networks.removeAll { r in !live.contains(resolved[r.network] ?? r.network) }
        for name in live where !record.networks.contains(where: { (resolved[$0.network] ?? $0.network) == name }) {
            logger.notice("repair: recording a network the container was connected to", metadata: ["container": "\(c.name)", "network": "\(name)"])
            record.networks.append(.init(network: name))
        }
        guard record.networks != c.networks else { return false }
        for r in c.networks where !record.networks.contains(r) {
            logger.notice("repair: forgetting a network the container is no longer on", metadata: ["container": "\(c.name)", "network": "\(r.network)"])
        }
        containers[c.id] = record
        try? await store.saveContainer(record)
        return true
    }

    /// A container directory (root filesystem, bundle) or runtime state whose container has no
    /// record: a create or a removal cut by a crash. Left alone, its layers stay pinned against
    /// image removal; it is removed.
    private func removeOrphanDirectories() async {
        let known = Set(containers.keys)
        for id in await ContainerFiles.list(paths.dataRoot + "/containers") where Identifier.isFull(id) && !known.contains(id) {
            logger.notice("repair: removing the files of a container that has no record", metadata: ["id": "\(Identifier.short(id))"])
            try? await runtime.delete(id: id, force: true)
            try? await rootfs.remove(containerID: id)
            await ContainerFiles.remove(paths.containerDirectory(id))
        }
    }
}
