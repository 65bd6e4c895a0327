#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthNetwork
import BerthStore
import Foundation

extension ContainerService {
    /// Watches a running container's exit on a task that waits off the cooperative pool
    /// (the runtime's exit watcher runs on a thread Berth owns).
    func watch(_ id: String) {
        let runtime = self.runtime
        Task {
            let code = (try? await runtime.waitExit(id: id)) ?? 255
            await self.exited(id, code: code)
        }
    }

    /// Records an exit and releases what a stopped container does not keep: its endpoints,
    /// its sandbox, its runtime state and its root filesystem mount.
    func exited(_ id: String, code: Int32) async {
        guard var c = containers[id], c.status == .running else { return }
        c.status = .exited
        c.exitCode = code
        c.pid = 0
        c.finishedAt = Timestamp.now().nanoseconds
        containers[id] = c
        exitCounts[id, default: 0] += 1
        // Registered before any suspension, so a start that follows at once (restart) waits for it.
        let released = beginTeardown(c)
        publish("die", c, ["exitCode": "\(code)"])
        try? await store.saveContainer(c)
        Failpoint.hit("exited.after-save")
        await released.value
        logger.info("container exited", metadata: ["name": "\(c.name)", "code": "\(code)"])
        if c.autoRemove { try? await remove(id, force: true) }
    }

    /// Releases a container's sandbox, endpoints, runtime state and mount. The exit watcher and
    /// `remove` may both ask at once; they share one teardown, and both return only when it is
    /// done, so `rm -f` never answers while an interface is still being deleted.
    func teardown(_ c: ContainerRecord) async {
        await beginTeardown(c).value
    }

    /// Starts (or joins) the container's teardown without suspending.
    func beginTeardown(_ c: ContainerRecord) -> Task<Void, Never> {
        if let running = teardowns[c.id] { return running }
        let task = Task {
            await self.performTeardown(c)
            self.teardownFinished(c.id)
        }
        teardowns[c.id] = task
        return task
    }

    private func teardownFinished(_ id: String) { teardowns[id] = nil }

    private func performTeardown(_ c: ContainerRecord) async {
        await forgetDNS(c.id)
        try? await network.disconnectAll(containerID: c.id)
        Failpoint.hit("teardown.after-disconnect")
        // A container that joined another's sandbox must never remove it.
        if !c.networkMode.hasPrefix("container:") { try? await NetworkNamespace.unpin(at: paths.sandboxKey(c.id)) }
        try? await runtime.delete(id: c.id, force: true)
        try? await rootfs.release(containerID: c.id)
    }

    /// Sends `signal` (default SIGKILL), as `docker kill` does.
    public func kill(_ ref: String, signal: Int32 = SIGKILL) async throws {
        let c = try find(ref)
        guard c.status == .running else {
            throw BerthError.conflict("Container \(c.id) is not running")
        }
        try await runtime.kill(id: c.id, signal: signal)
        publish("kill", c, ["signal": "\(signal)"])
    }

    /// SIGTERM, then SIGKILL after `timeout` seconds, as `docker stop` does; waits for the exit.
    public func stop(_ ref: String, timeout: Int = 10) async throws {
        let c = try find(ref)
        guard c.status == .running else { return }
        publish("kill", c, ["signal": "\(SIGTERM)"])
        try? await runtime.kill(id: c.id, signal: SIGTERM)
        if !(await waitForExit(c.id, seconds: Double(max(0, timeout)))) {
            publish("kill", c, ["signal": "\(SIGKILL)"])
            try? await runtime.kill(id: c.id, signal: SIGKILL)
            _ = await waitForExit(c.id, seconds: 30)
        }
        // Answer once the container's interfaces and sandbox are gone (as `rm -f` does).
        if let teardown = teardowns[c.id] { await teardown.value }
        publish("stop", c)
    }

    /// `docker restart`: stop (SIGTERM, then SIGKILL after `timeout`), start again.
    public func restart(_ ref: String, timeout: Int = 10) async throws {
        let c = try find(ref)
        try await stop(c.id, timeout: timeout)
        try await start(c.id)
        publish("restart", c)
    }

    /// Waits for a container to stop and returns its exit code (`docker wait`).
    public func wait(_ ref: String, condition: WaitCondition = .notRunning) async throws -> Int32 {
        var last = try find(ref)
        let exits = exitCounts[last.id, default: 0]
        while let c = containers[last.id] {
            last = c
            switch condition {
            case .notRunning where c.status != .running: return c.exitCode
            case .nextExit where exitCounts[c.id, default: 0] > exits: return c.exitCode
            default: try await Task.sleep(for: .milliseconds(25))
            }
        }
        return last.exitCode
    }

    /// What `POST /containers/{id}/wait?condition=` waits for.
    public enum WaitCondition: String, Sendable {
        case notRunning = "not-running"
        case nextExit = "next-exit"
        case removed
    }

    private func waitForExit(_ id: String, seconds: Double) async -> Bool {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while containers[id]?.status == .running {
            if ContinuousClock.now >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(5))  // short-lived (stop, rm -f): latency over wake-ups
        }
        return true
    }

    /// Removes a container; a running one only with `force` (it is killed first).
    public func remove(_ ref: String, force: Bool) async throws {
        var c = try find(ref)
        guard !starting.contains(c.id) else {
            throw BerthError.conflict("You cannot remove container \(c.name) while it is starting; retry once it has started")
        }
        if c.status == .running {
            guard force else {
                throw BerthError.conflict("You cannot remove a running container \(c.id). Stop the container before attempting removal or force remove")
            }
            try? await runtime.kill(id: c.id, signal: SIGKILL)
            _ = await waitForExit(c.id, seconds: 30)
            c = containers[c.id] ?? c
        }
        guard containers[c.id]?.status != .removing else { return }
        c.status = .removing
        containers[c.id] = c
        // Persisted: a removal cut by a crash is finished by the next start (restore).
        try? await store.saveContainer(c)
        Failpoint.hit("remove.after-mark")
        await teardown(c)
        Failpoint.hit("remove.after-teardown")
        await resolvePendingAttaches(c.id, connect: false)
        // dockerd forgets a removed container's exec instances too.
        for (execID, e) in execs where e.containerID == c.id { execs[execID] = nil }
        exitCounts[c.id] = nil
        try? await rootfs.remove(containerID: c.id)
        await ContainerFiles.remove(paths.containerDirectory(c.id))
        Failpoint.hit("remove.after-files")
        try await store.deleteContainer(id: c.id)
        containers[c.id] = nil
        logger.info("container removed", metadata: ["name": "\(c.name)", "id": "\(Identifier.short(c.id))"])
        publish("destroy", c)
    }
}
