import BerthCore
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
    public var stdinOnce = false
    /// `AttachStdin`, `AttachStdout`, `AttachStderr`, echoed by inspect.
    public var attach = [false, false, false]
    /// The client terminal's [height, width] (`HostConfig.ConsoleSize`).
    public var consoleSize: [Int]?
    /// `HostConfig.Memory` in bytes; 0 for no limit.
    public var memory: Int64 = 0
    public var labels: [String: String] = [:]
    /// `bridge` (the default), `host`, `none`, or a network name.
    public var networkMode: String = "bridge"
    /// Per-network requests from `NetworkingConfig.EndpointsConfig`.
    public var endpoints: [ContainerRecord.NetworkRequest] = []
    /// The container-wide `MacAddress` (API < 1.52): the endpoint of the network mode's network gets it.
    public var macAddress: String?
    public var autoRemove = false
    public var dns: [String] = []
    public var dnsSearch: [String] = []
    public var dnsOptions: [String] = []
    public var extraHosts: [String] = []
    /// `--link name[:alias]` entries.
    public var links: [String] = []
    /// `--expose` ports (`5432`, `53/udp`), added to the image's.
    public var exposedPorts: [String] = []
    /// `HostConfig.PortBindings` (`-p`), already validated by the API layer.
    public var portBindings: [PortBindingRequest] = []
    /// `HostConfig.PublishAllPorts` (`-P`).
    public var publishAllPorts = false

    public init(image: String) { self.image = image }
}
