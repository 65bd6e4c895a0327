import BerthImage
import Synchronization

/// Answers the image store's "which containers use this image?" from the container service.
///
/// The store is opened before the service exists (the service needs the store), so the
/// service is attached once built; until then no container can exist and the answer is none.
public final class ContainerImageUsage: ImageUsage {
    private let service = Mutex<ContainerService?>(nil)

    public init() {}

    /// Connects the relay to the container service.
    public func attach(_ containers: ContainerService) { service.withLock { $0 = containers } }

    public func containers(usingImage imageID: String) async -> [ImageUser] {
        guard let s = service.withLock({ $0 }) else { return [] }
        return await s.list(all: true).filter { $0.imageID == imageID }.map { ImageUser(containerID: $0.id, isRunning: $0.status == .running) }
    }
}
