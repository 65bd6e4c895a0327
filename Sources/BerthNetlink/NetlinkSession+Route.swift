import BerthCore

#if canImport(Glibc)
import Glibc
#endif

/// Route operations. Routes name their output link by index, so each resolves the name first.
extension NetlinkSession {
    /// Adds a unicast route out of `link` (`nil` destination: the default route). Values are
    /// checked (see `RouteInfo(validating:...)`) before anything is sent.
    ///
    /// Idempotent: when the kernel answers `EEXIST`, the table is read back and the call
    /// succeeds if that very route (destination, gateway, link, table, metric) is there. If a
    /// different route holds the slot (say, a default route via another gateway), `EEXIST` is
    /// thrown, since the kernel keys routes on destination and metric, not on the gateway.
    public func addRoute(
        destination: CIDR?, gateway: IPAddress?, link name: String, table: Int? = nil, metric: Int? = nil
    ) throws {
        var route = try RouteInfo(
            validating: destination, gateway: gateway, outputIndex: nil, table: table, metric: metric)
        route.outputIndex = try index(ofLink: name)
        do {
            _ = try execute(.addRoute(route))
        } catch NetlinkError.kernel(let operation, EEXIST) {
            guard try routes(inTable: route.table).contains(where: { $0.isSameRoute(as: route) }) else {
                throw NetlinkError.kernel(operation: operation, errno: EEXIST)
            }
        }
    }

    /// Deletes the route out of `link` to `destination` (`nil`, `0.0.0.0/0` or `::/0`: the
    /// default route); a gateway or metric that is given must match too. A missing route fails with `ESRCH`, as the
    /// kernel answers, so callers can tell "already gone" apart.
    public func deleteRoute(
        destination: CIDR?, gateway: IPAddress?, link name: String, table: Int? = nil, metric: Int? = nil
    ) throws {
        var route = try RouteInfo(
            validating: destination, gateway: gateway, outputIndex: nil, table: table, metric: metric)
        route.outputIndex = try index(ofLink: name)
        _ = try execute(.deleteRoute(route))
    }

    /// The unicast routes of the main table, both families (IPv4 first), optionally only
    /// those out of the link called `name` (`ENODEV` when there is no such link). Connected
    /// routes the kernel adds for addresses are included.
    public func routes(link name: String? = nil) throws -> [RouteInfo] {
        let linkIndex = try name.map { try self.index(ofLink: $0) }
        return try routes(inTable: RouteInfo.mainTable).filter { linkIndex == nil || $0.outputIndex == linkIndex }
    }

    /// Every unicast route of `table`, both families, in the kernel's order.
    package func routes(inTable table: Int) throws -> [RouteInfo] {
        try dump(.dumpRoutes()).compactMap { message in
            message.type == .RTM_NEWROUTE ? try RouteInfo(message: message) : nil
        }.filter { $0.table == table }
    }
}
