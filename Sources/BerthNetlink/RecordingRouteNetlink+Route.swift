import BerthCore

#if canImport(Glibc)
import Glibc
#endif

/// Routes in the model: explicit ones are stored per namespace, connected ones derived from
/// the addresses of up links, with the kernel's slot, next-hop and idempotence rules.
extension RecordingRouteNetlink {
    /// Adds a route like `LinuxRouteNetlink` does: the same route again succeeds, another
    /// route in its slot (table, destination, metric) fails with `EEXIST`, and the kernel's
    /// next-hop checks apply (`ENETDOWN`, `ENETUNREACH`, `EHOSTUNREACH`; see the model).
    public func addRoute(
        destination: CIDR?, gateway: IPAddress?, link: String, table: Int?, metric: Int?
    ) async throws {
        let call = Call.addRoute(destination: destination, gateway: gateway, link: link, table: table, metric: metric)
        try perform(call) { model, here in
            var route = try RouteInfo(
                validating: destination, gateway: gateway, outputIndex: nil, table: table, metric: metric)
            let linkInfo = try model.require(link, in: here, operation: "RTM_GETLINK")
            route.outputIndex = linkInfo.index
            if let existing = model.routes(in: here, table: route.table).first(where: { $0.sharesSlot(with: route) }) {
                guard existing.isSameRoute(as: route) else {
                    throw NetlinkError.kernel(operation: "RTM_NEWROUTE", errno: EEXIST)
                }
                return
            }
            try model.checkNextHop(route, link: linkInfo, in: here)
            var stored = route
            // What the kernel reports back: IPv4 omits metric 0, IPv6 fills in its default.
            if route.family == .v4, route.metric == 0 { stored.metric = nil }
            if route.family == .v6, route.metric == nil { stored.metric = RouteInfo.defaultIPv6Metric }
            model[here].routes.append(stored)
        }
    }

    /// Deletes the first explicit route matching destination, table and link, and gateway and
    /// metric when given; `ESRCH` when there is none. Connected routes cannot be deleted here.
    public func deleteRoute(
        destination: CIDR?, gateway: IPAddress?, link: String, table: Int?, metric: Int?
    ) async throws {
        let call = Call.deleteRoute(destination: destination, gateway: gateway, link: link, table: table, metric: metric)
        try perform(call) { model, here in
            var wanted = try RouteInfo(
                validating: destination, gateway: gateway, outputIndex: nil, table: table, metric: metric)
            wanted.outputIndex = try model.require(link, in: here, operation: "RTM_GETLINK").index
            let match = model[here].routes.firstIndex { route in
                route.family == wanted.family && route.table == wanted.table && route.destination == wanted.destination
                    && route.outputIndex == wanted.outputIndex
                    && (wanted.gateway == nil || route.gateway == wanted.gateway)
                    && (wanted.metric == nil || route.effectiveMetric == wanted.effectiveMetric)
            }
            guard let match else { throw NetlinkError.kernel(operation: "RTM_DELROUTE", errno: ESRCH) }
            model[here].routes.remove(at: match)
        }
    }

    public func routes(link: String?) async throws -> [RouteInfo] {
        try perform(.routes(link: link)) { model, here in
            let index = try link.map { try model.require($0, in: here, operation: "RTM_GETLINK").index }
            return model.routes(in: here).filter { index == nil || $0.outputIndex == index }
        }
    }
}
