import BerthCore
import BerthNetlink
import BerthPlugins

/// Network drivers served by legacy plugins: found and activated on first use by name, as
/// dockerd does, but an unknown name fails at once (no ~15 s of retries) and a plugin that is
/// down never holds up the daemon's start.
extension NetworkController {
    /// Lets unknown driver names be looked up as plugins; `netlink` is the daemon namespace's.
    public func attachPlugins(_ registry: PluginRegistry, netlink: any RouteNetlink) {
        plugins = registry
        pluginNetlink = netlink
    }

    /// The driver named `name`: a built-in one, or a plugin activated now (its
    /// `GetCapabilities` asked once). Nil when no plugin of that name exists.
    func resolveDriver(_ name: String) async throws -> (any NetworkDriver)? {
        if let d = drivers[name] { return d }
        guard let plugins, let pluginNetlink else { return nil }
        let plugin: Plugin
        do {
            plugin = try await plugins.plugin(name, implementing: "NetworkDriver")
        } catch {
            if case .notFound = error { return nil }
            throw error.berthError
        }
        let scope = try await RemoteNetworkDriver.scope(of: plugin)
        if let d = drivers[name] { return d }  // another create resolved it meanwhile
        let driver = RemoteNetworkDriver(plugin: plugin, scope: scope, netlink: pluginNetlink, sandboxes: sandboxes)
        drivers[name] = driver
        logger.info("network plugin activated", metadata: ["plugin": "\(name)", "address": "\(plugin.address)", "scope": "\(scope)"])
        return driver
    }

    /// At start: a driver for each stored network whose plugin is not built in, without calling
    /// the plugin (it may be down or starting); calls made later find it when it answers.
    func registerStoredPluginDrivers() async {
        guard let plugins, let pluginNetlink else { return }
        for name in Set(networks.values.map(\.driver)) where drivers[name] == nil {
            do {
                let plugin = try await plugins.lazy(name, implements: "NetworkDriver")
                drivers[name] = RemoteNetworkDriver(plugin: plugin, scope: "local", netlink: pluginNetlink, sandboxes: sandboxes)
            } catch {
                logger.warning("network plugin \(name) of stored networks: \(error); its networks answer errors until it is found")
            }
        }
    }
}
