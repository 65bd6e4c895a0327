/// A DNS message (RFC 1035 §4.1) with its EDNS0 OPT record (RFC 6891) kept apart from `additional`.
public struct DNSMessage: Hashable, Sendable {
    public var id: UInt16
    /// QR: true for responses.
    public var isResponse: Bool
    public var opcode: UInt8
    /// AA.
    public var authoritative: Bool
    /// TC.
    public var truncated: Bool
    /// RD.
    public var recursionDesired: Bool
    /// RA.
    public var recursionAvailable: Bool
    /// AD (RFC 4035).
    public var authenticData: Bool
    /// CD (RFC 4035).
    public var checkingDisabled: Bool
    /// The header's 4-bit RCODE; see `extendedResponseCode` for the EDNS0-combined value.
    public var responseCode: DNSResponseCode
    public var questions: [DNSQuestion]
    public var answers: [DNSResourceRecord]
    public var authority: [DNSResourceRecord]
    public var additional: [DNSResourceRecord]
    public var edns: DNSEDNS?

    public init(id: UInt16 = 0, isResponse: Bool = false, opcode: UInt8 = 0, authoritative: Bool = false,
                truncated: Bool = false, recursionDesired: Bool = true, recursionAvailable: Bool = false,
                authenticData: Bool = false, checkingDisabled: Bool = false,
                responseCode: DNSResponseCode = .noError, questions: [DNSQuestion] = [],
                answers: [DNSResourceRecord] = [], authority: [DNSResourceRecord] = [],
                additional: [DNSResourceRecord] = [], edns: DNSEDNS? = nil) {
        self.id = id
        self.isResponse = isResponse
        self.opcode = opcode
        self.authoritative = authoritative
        self.truncated = truncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.authenticData = authenticData
        self.checkingDisabled = checkingDisabled
        self.responseCode = responseCode
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
        self.edns = edns
    }

    /// The 12-bit RCODE combining the header with the OPT record's upper bits.
    public var extendedResponseCode: DNSResponseCode {
        let upper = UInt16(edns?.extendedRCode ?? 0) << 4
        return DNSResponseCode(rawValue: upper | (responseCode.rawValue & 0xF))
    }

    /// A query for one question, with RD set.
    public static func query(id: UInt16, name: String, type: DNSType, edns: DNSEDNS? = nil) -> DNSMessage {
        DNSMessage(id: id, questions: [DNSQuestion(name: name, type: type)], edns: edns)
    }

    /// An empty response to `query`: same id, opcode, RD, CD and questions; RA set as dockerd does.
    public static func response(to query: DNSMessage, code: DNSResponseCode = .noError) -> DNSMessage {
        DNSMessage(id: query.id, isResponse: true, opcode: query.opcode, recursionDesired: query.recursionDesired,
                   recursionAvailable: true, checkingDisabled: query.checkingDisabled, responseCode: code,
                   questions: query.questions,
                   edns: query.edns.map { _ in DNSEDNS(udpPayloadSize: DNSMessage.maxEDNSPayload) })
    }

    /// The largest UDP payload this implementation advertises or honours (RFC 6891 / DNS flag day 2020).
    public static let maxEDNSPayload: UInt16 = 4096

    /// The UDP size limit a reply to this query must respect: 512 without EDNS0, else the advertised size
    /// clamped to 512…4096.
    public var udpResponseLimit: Int {
        guard let edns else { return 512 }
        return Int(min(max(edns.udpPayloadSize, 512), DNSMessage.maxEDNSPayload))
    }
}
