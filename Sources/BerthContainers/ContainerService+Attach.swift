import BerthCore
import BerthRuntime
import BerthStore

extension ContainerService {
    /// Connects to a container's stdio through its monitor (`docker attach`). A container that is
    /// not running yet is attached when it next starts (`docker run`, `docker start -a` attach
    /// first), as dockerd does.
    public func attach(_ ref: String) async throws -> (ContainerRecord, AttachHandle) {
        let c = try find(ref)
        publish("attach", c)
        guard c.status == .running else {
            let handle = AttachHandle()
            pendingAttaches[c.id, default: []].append(handle)
            return (c, handle)
        }
        do {
            return (c, AttachHandle(socket: try await runtime.attach(id: c.id)))
        } catch RuntimeError.notRunning {
            throw BerthError.conflict("You cannot attach to a stopped container, start it first")
        }
    }

    /// Connects the attaches waiting for `id` (after `runc create`, before `runc start`), or tells
    /// them it will not start (`connect: false`).
    func resolvePendingAttaches(_ id: String, connect: Bool) async {
        for handle in pendingAttaches.removeValue(forKey: id) ?? [] {
            handle.resolve(connect ? try? await runtime.attach(id: id) : nil)
        }
    }

    /// Resizes a running container's terminal (`docker attach`/`run -it` send the client's size).
    public func resize(_ ref: String, height: Int, width: Int) async throws {
        let c = try find(ref)
        guard c.status == .running else { throw BerthError.conflict("Container \(c.id) is not running") }
        guard c.tty else { return }
        try await runtime.resize(id: c.id, height: height, width: width)
    }
}
