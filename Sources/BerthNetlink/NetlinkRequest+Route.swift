import BerthCore
import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// Requests on routes (`RTM_*ROUTE`). Routes name their output link by index (`RTA_OIF`),
/// so the caller resolves the link first; `RouteInfo(validating:...)` checks the values.
extension NetlinkRequest {
    /// `struct rtmsg`.
    package static func routeHeader(
        family: Int32, destinationLength: Int = 0, table: Int = 0, protocol: Int32 = 0,
        scope: UInt8 = UInt8(RT_SCOPE_UNIVERSE.rawValue), type: Int = 0
    ) -> [UInt8] {
        var header = rtmsg()
        header.rtm_family = UInt8(truncatingIfNeeded: family)
        header.rtm_dst_len = UInt8(truncatingIfNeeded: destinationLength)
        // Tables past 255 only fit RTA_TABLE; rtm_table then says RT_TABLE_UNSPEC, as iproute2 sends.
        header.rtm_table = table < 256 ? UInt8(truncatingIfNeeded: table) : UInt8(RT_TABLE_UNSPEC.rawValue)
        header.rtm_protocol = UInt8(truncatingIfNeeded: `protocol`)
        header.rtm_scope = scope
        header.rtm_type = UInt8(truncatingIfNeeded: type)
        var bytes: [UInt8] = []
        bytes.appendRaw(header)
        return bytes
    }

    /// `RTM_NEWROUTE` (`NLM_F_CREATE | NLM_F_EXCL`) adding a unicast route, as
    /// `ip route add` does: protocol `boot`, scope `link` for an IPv4 route without a gateway
    /// and `universe` otherwise (IPv6 ignores scopes).
    package static func addRoute(_ route: RouteInfo) throws -> NetlinkRequest {
        let scope = route.family == .v4 && route.gateway == nil ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE
        return try routeRequest(
            .RTM_NEWROUTE, flags: [.NLM_F_REQUEST, .NLM_F_ACK, .NLM_F_CREATE, .NLM_F_EXCL], route,
            protocol: RTPROT_BOOT, scope: UInt8(scope.rawValue), type: RTN_UNICAST)
    }

    /// `RTM_DELROUTE` for the route matching `route`. As with `ip route del`, protocol and type
    /// are left unspecified and the scope is `RT_SCOPE_NOWHERE`, which the kernel reads as
    /// "any"; destination, table, output link and, when given, gateway and metric must match.
    package static func deleteRoute(_ route: RouteInfo) throws -> NetlinkRequest {
        try routeRequest(
            .RTM_DELROUTE, flags: [.NLM_F_REQUEST, .NLM_F_ACK], route,
            protocol: 0, scope: UInt8(RT_SCOPE_NOWHERE.rawValue), type: 0)
    }

    /// `RTM_GETROUTE` dump of every table of both families; the caller filters.
    package static func dumpRoutes() -> NetlinkRequest {
        NetlinkRequest(
            type: .RTM_GETROUTE, flags: [.NLM_F_REQUEST, .NLM_F_DUMP], header: routeHeader(family: AF_UNSPEC))
    }

    /// `rtmsg`, then `RTA_DST` (not for a default route), `RTA_GATEWAY`, `RTA_OIF`,
    /// `RTA_PRIORITY` and, for tables past 255, `RTA_TABLE`.
    private static func routeRequest(
        _ type: NetlinkMessageType, flags: NetlinkFlags, _ route: RouteInfo,
        protocol: Int32, scope: UInt8, type routeType: Int
    ) throws -> NetlinkRequest {
        let family = route.family == .v4 ? AF_INET : AF_INET6
        if let destination = route.destination {
            guard destination.family == route.family, destination.prefixLength >= 0,
                destination.prefixLength <= route.family.bits
            else { throw NetlinkError.invalidArgument("invalid \(route.family) route destination \(destination)") }
        }
        if let gateway = route.gateway, gateway.family != route.family {
            throw NetlinkError.invalidArgument("route gateway \(gateway) is not \(route.family)")
        }
        guard let outputIndex = route.outputIndex, outputIndex > 0 else {
            throw NetlinkError.invalidArgument("a route needs an output interface")
        }
        guard let table = UInt32(exactly: route.table), table > 0 else {
            throw NetlinkError.invalidArgument("invalid routing table \(route.table)")
        }
        var attributes: [NetlinkAttribute] = []
        if let destination = route.destination, destination.prefixLength > 0 {
            attributes.append(.bytes(RTA_DST.rawValue, destination.network.address.bytes))
        }
        if let gateway = route.gateway { attributes.append(.bytes(RTA_GATEWAY.rawValue, gateway.bytes)) }
        attributes.append(.uint32(RTA_OIF.rawValue, UInt32(bitPattern: outputIndex)))
        if let metric = route.metric {
            guard let value = UInt32(exactly: metric) else {
                throw NetlinkError.invalidArgument("invalid route metric \(metric)")
            }
            attributes.append(.uint32(RTA_PRIORITY.rawValue, value))
        }
        if table >= 256 { attributes.append(.uint32(RTA_TABLE.rawValue, table)) }
        let header = routeHeader(
            family: family, destinationLength: route.destination?.prefixLength ?? 0, table: route.table,
            protocol: `protocol`, scope: scope, type: routeType)
        return NetlinkRequest(type: type, flags: flags, header: header, attributes: attributes)
    }
}
