import BerthCore
import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// A unicast route as the kernel reports it in `RTM_NEWROUTE`, or as Berth asks for one.
public struct RouteInfo: Hashable, Sendable {
    /// `rtm_family`.
    public var family: IPFamily
    /// `RTA_DST` with `rtm_dst_len`, host bits cleared; `nil` for a default route (prefix 0).
    public var destination: CIDR?
    /// `RTA_GATEWAY`: the next hop; `nil` for a route straight out of a link (scope link).
    public var gateway: IPAddress?
    /// `RTA_OIF`: the index of the output link; `nil` for multipath routes (`RTA_MULTIPATH`).
    public var outputIndex: Int32?
    /// `RTA_PRIORITY`. The kernel omits it for IPv4 routes of metric 0 and gives IPv6 routes
    /// added without one 1024 (connected IPv6 prefixes get 256).
    public var metric: Int?
    /// `RTA_TABLE` (or `rtm_table`); `RouteInfo.mainTable` unless asked otherwise.
    public var table: Int

    /// `RT_TABLE_MAIN`: the table `ip route` shows and containers route through.
    public static let mainTable = Int(RT_TABLE_MAIN.rawValue)

    /// The metric the kernel gives an IPv6 route added without one (`IP6_RT_PRIO_USER`).
    public static let defaultIPv6Metric = 1024

    /// Builds a route description (the kernel's come from `RTM_NEWROUTE`; tests and doubles
    /// make their own).
    public init(
        family: IPFamily, destination: CIDR? = nil, gateway: IPAddress? = nil, outputIndex: Int32? = nil,
        metric: Int? = nil, table: Int = RouteInfo.mainTable
    ) {
        self.family = family
        self.destination = destination
        self.gateway = gateway
        self.outputIndex = outputIndex
        self.metric = metric
        self.table = table
    }

    /// Whether this is a default route (`0.0.0.0/0`, `::/0`).
    public var isDefault: Bool { destination == nil }
}

extension RouteInfo {
    /// A route to ask the kernel for, checked and normalised the way the kernel will read it.
    ///
    /// - The family comes from `destination` or `gateway`; with neither, or when they
    ///   disagree, the request is refused before it is sent. To name the default route of a
    ///   family without a gateway, pass `0.0.0.0/0` or `::/0` as the destination.
    /// - A destination of prefix length 0 is the default route; any other keeps only its
    ///   network part (`172.17.0.2/16` routes `172.17.0.0/16`), which is what the kernel
    ///   would otherwise refuse with `EINVAL`.
    /// - `table` defaults to `main`; 0 (`RT_TABLE_UNSPEC`) is refused, as is anything that
    ///   does not fit 32 bits, like a metric outside `0...UInt32.max`.
    package init(
        validating destination: CIDR?, gateway: IPAddress?, outputIndex: Int32?, table: Int?, metric: Int?
    ) throws {
        guard let family = destination?.family ?? gateway?.family else {
            throw NetlinkError.invalidArgument(
                "a route needs a destination or a gateway: with neither, its address family is unknown")
        }
        if let destination, let gateway, destination.family != gateway.family {
            throw NetlinkError.invalidArgument(
                "route to \(destination) cannot go via \(gateway): the address families differ")
        }
        if let outputIndex, outputIndex <= 0 {
            throw NetlinkError.invalidArgument("invalid interface index \(outputIndex)")
        }
        if let destination {
            guard destination.prefixLength >= 0, destination.prefixLength <= family.bits else {
                throw NetlinkError.invalidArgument("invalid prefix length in route destination \(destination)")
            }
        }
        let table = table ?? Self.mainTable
        guard table > 0, UInt32(exactly: table) != nil else {
            throw NetlinkError.invalidArgument("invalid routing table \(table): it must be 1 to \(UInt32.max)")
        }
        if let metric, UInt32(exactly: metric) == nil {
            throw NetlinkError.invalidArgument("invalid route metric \(metric): it must be 0 to \(UInt32.max)")
        }
        self.init(
            family: family,
            destination: destination.flatMap { $0.prefixLength == 0 ? nil : $0.network },
            gateway: gateway, outputIndex: outputIndex, metric: metric, table: table)
    }

    /// The metric the kernel files the route under: 0 for IPv4 and 1024 for IPv6 when none is given.
    package var effectiveMetric: Int {
        metric ?? (family == .v6 ? Self.defaultIPv6Metric : 0)
    }

    /// Whether `other` takes the same slot in the kernel's table: same table, destination and
    /// metric. The kernel refuses a second route in a slot with `EEXIST`, whatever its gateway.
    package func sharesSlot(with other: RouteInfo) -> Bool {
        family == other.family && table == other.table && destination == other.destination
            && effectiveMetric == other.effectiveMetric
    }

    /// Whether `other` is the same route: same slot, gateway and output link.
    package func isSameRoute(as other: RouteInfo) -> Bool {
        sharesSlot(with: other) && gateway == other.gateway && outputIndex == other.outputIndex
    }
}

extension RouteInfo {
    /// Decodes an `RTM_NEWROUTE` message: `rtmsg`, then `RTA_*` attributes.
    ///
    /// Returns `nil` for what is not a plain IPv4/IPv6 unicast route: other families
    /// (multicast routing, MPLS), other route types (`local`, `broadcast`, `unreachable`...)
    /// and cached clones (`RTM_F_CLONED`).
    package init?(message: NetlinkMessage) throws {
        guard message.type == .RTM_NEWROUTE else {
            throw NetlinkError.malformed("expected RTM_NEWROUTE, got \(message.type)")
        }
        guard let header = message.payload.loadRaw(rtmsg.self) else {
            throw NetlinkError.malformed(
                "RTM_NEWROUTE payload of \(message.payload.count) bytes is shorter than rtmsg")
        }
        let family: IPFamily
        switch Int32(header.rtm_family) {
        case AF_INET: family = .v4
        case AF_INET6: family = .v6
        default: return nil
        }
        guard Int(header.rtm_type) == RTN_UNICAST, header.rtm_flags & UInt32(RTM_F_CLONED) == 0 else { return nil }
        let start = NetlinkBytes.aligned(MemoryLayout<rtmsg>.size)
        let attributes = try NetlinkAttribute.parse(Array(message.payload.dropFirst(start)))

        let prefixLength = Int(header.rtm_dst_len)
        guard prefixLength <= family.bits else {
            throw NetlinkError.malformed("RTM_NEWROUTE prefix length \(prefixLength) exceeds \(family.bits)")
        }
        var destination: CIDR?
        if prefixLength > 0 {
            guard let raw = attributes.attribute(RTA_DST.rawValue) else {
                throw NetlinkError.malformed("RTM_NEWROUTE with prefix length \(prefixLength) has no RTA_DST")
            }
            destination = CIDR(address: try Self.address(raw, family, "RTA_DST"), prefixLength: prefixLength).network
        }
        let gateway = try attributes.attribute(RTA_GATEWAY.rawValue).map { try Self.address($0, family, "RTA_GATEWAY") }
        let outputIndex = try attributes.attribute(RTA_OIF.rawValue)?.uint32Value()
        let metric = try attributes.attribute(RTA_PRIORITY.rawValue)?.uint32Value()
        let table = try attributes.attribute(RTA_TABLE.rawValue)?.uint32Value() ?? UInt32(header.rtm_table)
        self.init(
            family: family, destination: destination, gateway: gateway,
            outputIndex: outputIndex.map { Int32(bitPattern: $0) }, metric: metric.map { Int($0) },
            table: Int(table))
    }

    /// An address attribute of the route's family: 4 or 16 bytes, in network order.
    private static func address(_ attribute: NetlinkAttribute, _ family: IPFamily, _ name: String) throws -> IPAddress {
        let bytes = attribute.payload
        switch (family, bytes.count) {
        case (.v4, 4): return .v4(IPv4Address(bytes[0], bytes[1], bytes[2], bytes[3]))
        case (.v6, 16): return .v6(IPv6Address(bytes: bytes))
        default: throw NetlinkError.malformed("RTM_NEWROUTE \(family) \(name) has \(bytes.count) bytes")
        }
    }
}
