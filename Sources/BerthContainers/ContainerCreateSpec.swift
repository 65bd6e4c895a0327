import BerthStore

/// A request to create a container, as `POST /containers/create` carries it, before the image
/// and names are resolved.
public struct ContainerCreateSpec: Sendable, Equatable {
    public var name: String?
    public var image: String
    public var cmd: [String]?
    public var entrypoint: [String]?
    public var env: [String] = []
    public var hostname: String = ""
    public var domainname: String = ""
    public var user: String = ""
    public var workingDir: String = ""
    public var tty = false
    public var openStdin = false
    public var labels: [String: String] = [:]
    /// `bridge` (the default), `host`, `none`, or a network name.
    public var networkMode: String = "bridge"
    /// Per-network requests from `NetworkingConfig.EndpointsConfig`.
    public var endpoints: [ContainerRecord.NetworkRequest] = []
    public var autoRemove = false
    public var dns: [String] = []
    public var dnsSearch: [String] = []
    public var dnsOptions: [String] = []
    public var extraHosts: [String] = []

    public init(image: String) { self.image = image }
}
