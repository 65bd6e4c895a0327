import BerthCore
import BerthRuntime
import BerthStore

extension ContainerService {
    /// Connects to a running container's stdio through its monitor (`docker attach`).
    public func attach(_ ref: String) async throws -> (ContainerRecord, AttachSocket) {
        let c = try find(ref)
        guard c.status == .running else {
            throw BerthError.conflict("You cannot attach to a stopped container, start it first")
        }
        do {
            return (c, try await runtime.attach(id: c.id))
        } catch RuntimeError.notRunning {
            throw BerthError.conflict("You cannot attach to a stopped container, start it first")
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
