import BerthAPI
import BerthCore
import BerthImage

/// `/images` endpoints (being written).
struct ImageHandlers: Sendable {
    let store: ImageStore

    func register(_ r: inout Router) {}
}
