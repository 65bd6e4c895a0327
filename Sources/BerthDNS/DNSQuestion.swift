/// A question entry (RFC 1035 §4.1.2). Names are dotted text without the trailing dot ("" is the root).
public struct DNSQuestion: Hashable, Sendable {
    public var name: String
    public var type: DNSType
    public var `class`: DNSClass

    public init(name: String, type: DNSType, class: DNSClass = .IN) {
        self.name = name
        self.type = type
        self.class = `class`
    }
}
