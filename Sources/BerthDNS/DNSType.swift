/// A DNS resource record type (RFC 1035 §3.2.2), kept open so unknown types round-trip.
public struct DNSType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let A = DNSType(rawValue: 1)
    public static let NS = DNSType(rawValue: 2)
    public static let CNAME = DNSType(rawValue: 5)
    public static let SOA = DNSType(rawValue: 6)
    public static let PTR = DNSType(rawValue: 12)
    public static let MX = DNSType(rawValue: 15)
    public static let TXT = DNSType(rawValue: 16)
    public static let AAAA = DNSType(rawValue: 28)
    public static let SRV = DNSType(rawValue: 33)
    public static let OPT = DNSType(rawValue: 41)
    public static let ANY = DNSType(rawValue: 255)

    public var description: String {
        switch self {
        case .A: "A"
        case .NS: "NS"
        case .CNAME: "CNAME"
        case .SOA: "SOA"
        case .PTR: "PTR"
        case .MX: "MX"
        case .TXT: "TXT"
        case .AAAA: "AAAA"
        case .SRV: "SRV"
        case .OPT: "OPT"
        case .ANY: "ANY"
        default: "TYPE\(rawValue)"
        }
    }
}

/// A DNS class (RFC 1035 §3.2.4); for OPT records the field carries the UDP payload size instead.
public struct DNSClass: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let IN = DNSClass(rawValue: 1)
    public static let ANY = DNSClass(rawValue: 255)
}
