/// Tells the image store which containers use an image, so `remove` can refuse (or, forced,
/// keep the image) as dockerd does. The container layer implements it.
public protocol ImageUsage: Sendable {
    /// The containers created from image `imageID` (`sha256:<hex>`), running or not.
    func containers(usingImage imageID: String) async -> [ImageUser]
}

/// A container that uses an image.
public struct ImageUser: Equatable, Sendable {
    /// The container's full id.
    public var containerID: String
    public var isRunning: Bool

    public init(containerID: String, isRunning: Bool) {
        self.containerID = containerID
        self.isRunning = isRunning
    }
}

/// An `ImageUsage` for stores without containers (tests, tools): nothing uses any image.
public struct NoImageUsage: ImageUsage {
    public init() {}
    public func containers(usingImage imageID: String) async -> [ImageUser] { [] }
}
