import BerthCore

/// Decoded record data; types the codec does not model are carried as raw rdata.
public enum DNSRecordData: Hashable, Sendable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case ptr(String)
    case cname(String)
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: String)
    case raw([UInt8])
}

/// A resource record (RFC 1035 §4.1.3).
public struct DNSResourceRecord: Hashable, Sendable {
    public var name: String
    public var type: DNSType
    public var `class`: DNSClass
    public var ttl: UInt32
    public var data: DNSRecordData

    public init(name: String, type: DNSType, class: DNSClass = .IN, ttl: UInt32, data: DNSRecordData) {
        self.name = name
        self.type = type
        self.class = `class`
        self.ttl = ttl
        self.data = data
    }
}
