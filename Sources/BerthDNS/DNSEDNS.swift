/// The EDNS0 OPT pseudo-record (RFC 6891 §6), lifted out of the additional section.
public struct DNSEDNS: Hashable, Sendable {
    /// The requestor's UDP payload size (the OPT record's CLASS field).
    public var udpPayloadSize: UInt16
    /// The upper 8 bits of the 12-bit extended RCODE.
    public var extendedRCode: UInt8
    public var version: UInt8
    /// The DO bit.
    public var dnssecOK: Bool
    /// The raw option list (code, length, data)*.
    public var options: [UInt8]

    public init(udpPayloadSize: UInt16 = 1232, extendedRCode: UInt8 = 0, version: UInt8 = 0,
                dnssecOK: Bool = false, options: [UInt8] = []) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRCode = extendedRCode
        self.version = version
        self.dnssecOK = dnssecOK
        self.options = options
    }
}
