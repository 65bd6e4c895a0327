/// An IPv4 or IPv6 address.
public enum IPAddress: Hashable, Sendable, CustomStringConvertible, Comparable {
    case v4(IPv4Address)
    case v6(IPv6Address)

    /// Parses either family; IPv6 text is recognised by its colons.
    public init?(_ text: some StringProtocol) {
        if let a = IPv4Address(text) {
            self = .v4(a)
        } else if let a = IPv6Address(text) {
            self = .v6(a)
        } else {
            return nil
        }
    }

    /// Builds an address from a family's offset value (used by address arithmetic).
    public init(family: IPFamily, value: UInt128) {
        switch family {
        case .v4: self = .v4(IPv4Address(UInt32(truncatingIfNeeded: value)))
        case .v6: self = .v6(IPv6Address(value))
        }
    }

    public var family: IPFamily {
        switch self {
        case .v4: .v4
        case .v6: .v6
        }
    }

    /// 169.254.0.0/16 or fe80::/10 (what `--link-local-ip` accepts).
    public var isLinkLocalUnicast: Bool {
        switch self {
        case .v4(let a): a.value >> 16 == 0xA9FE
        case .v6(let a): a.value >> 118 == 0x3FA
        }
    }

    /// The address as an unsigned integer wide enough for both families.
    public var value: UInt128 {
        switch self {
        case .v4(let a): UInt128(a.value)
        case .v6(let a): a.value
        }
    }

    /// The address bytes in network order (4 or 16).
    public var bytes: [UInt8] {
        switch self {
        case .v4(let a): a.bytes
        case .v6(let a): a.bytes
        }
    }

    public var description: String {
        switch self {
        case .v4(let a): a.description
        case .v6(let a): a.description
        }
    }

    public static func < (l: Self, r: Self) -> Bool {
        if l.family != r.family { return l.family == .v4 }
        return l.value < r.value
    }
}

/// An address family.
public enum IPFamily: String, Sendable, Hashable, Codable {
    case v4, v6

    /// Address width in bits.
    public var bits: Int { self == .v4 ? 32 : 128 }
}
