import BerthCore

/// Failures of address management, with messages in dockerd's wording where it has one.
public enum IPAMError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A subnet the user gave overlaps one already in use (dockerd answers 403).
    case overlap
    /// No default pool has a free subnet left for this family.
    case poolsExhausted(IPFamily)
    /// A malformed or inconsistent request (400).
    case invalid(String)
    /// A malformed daemon pool flag.
    case invalidPool(String)
    /// The requested address is taken (or is the gateway).
    case addressInUse(IPAddress)
    /// Every address of the range is allocated.
    case noAvailableAddress(CIDR)
    /// The address is outside every subnet of the network.
    case addressOutsideSubnets(IPAddress)
    /// The network has no subnet of that family.
    case noSubnet(IPFamily)
    /// A gateway or aux address that cannot be reserved, in dockerd's words (it answers 500).
    case unallocatable(String)

    public var description: String {
        switch self {
        case .overlap: "Pool overlaps with other one on this address space"
        case .poolsExhausted(let f):
            "could not find an available, non-overlapping IP\(f == .v4 ? "v4" : "v6") address pool among the defaults to assign to the network"
        case .invalid(let m), .invalidPool(let m): m
        case .addressInUse: "Address already in use"
        case .noAvailableAddress(let c): "no available addresses on this pool: \(c) is full"
        case .addressOutsideSubnets(let a): "Invalid address \(a): It does not belong to any of this network's subnets"
        case .noSubnet(let f): "the network has no IP\(f == .v4 ? "v4" : "v6") subnet"
        case .unallocatable(let m): m
        }
    }

    /// The boundary error, with dockerd's status for each case.
    public var berthError: BerthError {
        switch self {
        case .overlap: .forbidden(description)
        case .addressInUse, .noAvailableAddress: .init(.forbidden, description)
        case .unallocatable: .internalError(description)
        default: .invalidArgument(description)
        }
    }
}
