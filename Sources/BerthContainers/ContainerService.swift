import BerthCore
import BerthImage
import BerthNetwork
import BerthRuntime
import BerthStore
import Logging

/// Where the container layer keeps its files.
public struct ContainerPaths: Sendable {
    /// Persistent per-container files (`<data-root>/containers/<id>/`: hosts, resolv.conf, bundle, log).
    public var dataRoot: String
    /// Runtime state (`<exec-root>/netns/<id12>` sandboxes, exit files).
    public var execRoot: String
    /// The daemon host's resolv.conf and hosts, read at each container start.
    public var hostResolvConf = "/etc/resolv.conf"
    public var hostHosts = "/etc/hosts"

    public init(dataRoot: String, execRoot: String) {
        self.dataRoot = dataRoot
        self.execRoot = execRoot
    }

    public func containerDirectory(_ id: String) -> String { dataRoot + "/containers/" + id }
    public func sandboxKey(_ id: String) -> String { execRoot + "/netns/" + Identifier.short(id) }
    public var exitDirectory: String { execRoot + "/exits" }
}

/// Owns every container: create, start, stop, kill, wait, remove, and the watch on exits.
public actor ContainerService {
    let store: any ContainerStore
    let images: ImageStore
    let rootfs: RootfsManager
    let runtime: any OCIRuntime
    let network: NetworkController
    let paths: ContainerPaths
    let logger: Logger
    /// The embedded DNS service; nil runs containers without it (their resolv.conf names the host's resolvers).
    let dns: EmbeddedDNS?
    let defaults: ContainerNetworkDefaults
    /// Where container events go (`GET /events`); nil publishes nothing.
    let events: EventLog?

    var containers: [String: ContainerRecord] = [:]
    /// Names claimed by creates in flight.
    var pendingNames: Set<String> = []
    /// Exec instances by id (kept in memory, as dockerd does).
    var execs: [String: ExecInstance] = [:]
    /// Interactive exec sessions running, by exec id (for resize).
    var execSessions: [String: any InteractiveExec] = [:]
    /// Containers whose start is in progress: a second start or a remove must not interleave with it.
    var starting: Set<String> = []
    /// Attaches waiting for a container to start, by container id.
    var pendingAttaches: [String: [AttachHandle]] = [:]
    /// How many times each container has exited since the daemon started (`wait?condition=next-exit`).
    var exitCounts: [String: Int] = [:]
    /// Teardowns in progress, shared by everyone who asks for the same container's.
    var teardowns: [String: Task<Void, Never>] = [:]

    public init(
        store: any ContainerStore, images: ImageStore, rootfs: RootfsManager, runtime: any OCIRuntime,
        network: NetworkController, paths: ContainerPaths, logger: Logger, dns: EmbeddedDNS? = nil,
        defaults: ContainerNetworkDefaults = .init(), events: EventLog? = nil
    ) {
        self.store = store
        self.images = images
        self.rootfs = rootfs
        self.runtime = runtime
        self.network = network
        self.paths = paths
        self.logger = logger
        self.dns = dns
        self.defaults = defaults
        self.events = events
    }

    /// Publishes a container event with dockerd's attributes: the image, the name, the labels, and `extra`.
    func publish(_ action: String, _ c: ContainerRecord, _ extra: [String: String] = [:]) {
        guard let events else { return }
        var attributes = c.labels
        attributes["image"] = c.imageReference
        attributes["name"] = c.name
        for (k, v) in extra { attributes[k] = v }
        events.publish("container", action, id: c.id, attributes: attributes)
    }

    /// A running container's sandbox file must name its namespace: if the pin was lost while the
    /// container lived on, pin its process's namespace again (endpoints, DNS and teardown need it).
    func repinSandbox(_ c: ContainerRecord) async {
        guard c.networkMode != "host", !c.networkMode.hasPrefix("container:"), c.pid > 0 else { return }
        let (pid, key) = (c.pid, paths.sandboxKey(c.id))
        do {
            if try await NamespaceThread.run({ try NetworkNamespace.repin(processID: pid, at: key) }) {
                logger.info("sandbox pinned again", metadata: ["container": "\(c.name)"])
            }
        } catch {
            logger.warning("sandbox lost", metadata: ["container": "\(c.name)", "error": "\(error)"])
        }
    }

    /// Every container (only running ones unless `all`), newest first, as `docker ps` lists them.
    public func list(all: Bool) -> [ContainerRecord] {
        containers.values.filter { all || $0.status == .running }.sorted { ($0.created, $0.id) > ($1.created, $1.id) }
    }

    /// Finds a container by full id, name (with or without `/`), or unique id prefix.
    public func find(_ ref: String) throws(BerthError) -> ContainerRecord {
        let name = ref.hasPrefix("/") ? String(ref.dropFirst()) : ref
        if let c = containers[ref] { return c }
        if let c = containers.values.first(where: { $0.name == name }) { return c }
        if Identifier.isHexPrefix(ref) {
            let matches = containers.values.filter { $0.id.hasPrefix(ref) }
            if matches.count == 1 { return matches[0] }
            if matches.count > 1 { throw .invalidArgument("multiple IDs found with provided prefix: \(ref)") }
        }
        throw .notFound("No such container: \(ref)")
    }

    /// The id of the image `reference` names, as a set for `ancestor` filters; nil when it names none.
    public func imageIDs(_ reference: String) async -> Set<String>? {
        (try? await images.image(reference)).map { [$0.id] }
    }

    /// The endpoints of a container, for inspect.
    public func endpoints(_ id: String) async -> [EndpointRecord] { await network.endpoints(container: id) }
}
