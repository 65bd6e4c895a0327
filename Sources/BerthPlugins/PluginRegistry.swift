import BerthAPI
import BerthCore

/// The daemon's legacy plugins, found by name on first use and activated once for the daemon's
/// life, as dockerd does. Unlike dockerd, a name no directory has fails at once (dockerd retries
/// for ~15 s, moby#26974); a plugin whose socket is there but does not answer yet (starting) gets
/// a short, bounded wait. Every call has a deadline.
public actor PluginRegistry {
    let discovery: PluginDiscovery
    let transport: any PluginTransport
    /// The deadline of each call to a plugin.
    public let timeout: Duration
    /// How long an activation waits for a plugin whose socket is there but that does not answer.
    let startupWait: Duration
    private var active: [String: Plugin] = [:]
    private var activating: [String: Task<Plugin, any Error>] = [:]

    public init(discovery: PluginDiscovery, transport: any PluginTransport = NIOPluginTransport(),
                timeout: Duration = .seconds(10), startupWait: Duration = .seconds(2)) {
        self.discovery = discovery
        self.transport = transport
        self.timeout = timeout
        self.startupWait = startupWait
    }

    /// The plugin `name`, activated, implementing `subsystem` (`NetworkDriver`, `IpamDriver`).
    public func plugin(_ name: String, implementing subsystem: String) async throws(PluginError) -> Plugin {
        let plugin = try await activated(name)
        guard plugin.implements.contains(subsystem) else { throw .doesNotImplement(plugin: name, subsystem: subsystem) }
        return plugin
    }

    /// A plugin known from the store (a network made with it) whose activation is not needed
    /// now: a client for its address if one is found, without calling it, so a daemon start
    /// never waits on a plugin that is down.
    public func lazy(_ name: String, implements subsystem: String) async throws(PluginError) -> Plugin {
        if let p = active[name] { return p }
        guard let address = try await locate(name) else { throw .notFound(name) }
        return Plugin(name: name, address: address, implements: [subsystem], transport: transport, timeout: timeout)
    }

    private func activated(_ name: String) async throws(PluginError) -> Plugin {
        if let p = active[name] { return p }
        let task: Task<Plugin, any Error>
        if let t = activating[name] {
            task = t
        } else {
            task = Task { try await self.activate(name) }
            activating[name] = task
        }
        defer { activating[name] = nil }
        do {
            let p = try await task.value
            active[name] = p
            return p
        } catch let e as PluginError {
            throw e
        } catch {
            throw .unreachable(plugin: name, reason: String(describing: error))
        }
    }

    /// Discovery's stat and reads, on a thread of their own rather than the cooperative pool.
    private func locate(_ name: String) async throws(PluginError) -> PluginAddress? {
        let discovery = self.discovery
        let found: Result<PluginAddress?, PluginError>
        do {
            found = try await NamespaceThread.run { () -> Result<PluginAddress?, PluginError> in
                do throws(PluginError) { return .success(try discovery.locate(name)) } catch { return .failure(error) }
            }
        } catch {
            throw .unreachable(plugin: name, reason: "cannot search the plugin directories: \(error)")
        }
        return try found.get()
    }

    private func activate(_ name: String) async throws(PluginError) -> Plugin {
        guard let address = try await locate(name) else { throw .notFound(name) }
        let probe = Plugin(name: name, address: address, implements: [], transport: transport, timeout: timeout)
        let clock = ContinuousClock(), start = clock.now
        while true {
            do {
                let manifest = try await probe.call("Plugin.Activate")
                let implements = manifest["Implements"]?.arrayValue?.compactMap(\.stringValue) ?? []
                return Plugin(name: name, address: address, implements: implements, transport: transport, timeout: timeout)
            } catch {
                guard case .unreachable = error, clock.now - start < startupWait else { throw error }
                try? await Task.sleep(for: .milliseconds(100))
            }
        }
    }
}
