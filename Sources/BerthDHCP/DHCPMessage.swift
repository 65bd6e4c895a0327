import BerthCore

/// A DHCPv4 message (RFC 2131 over BOOTP, options of RFC 2132), as the client side of Berth's
/// DHCP addressing sends and reads it. Pure: bytes in, bytes out.
public struct DHCPMessage: Equatable, Sendable {
    /// Option 53.
    public enum Kind: UInt8, Sendable {
        case discover = 1, offer, request, decline, ack, nak, release, inform
    }

    public var kind: Kind
    /// `xid`: pairs replies with requests.
    public var transactionID: UInt32
    /// `chaddr`: the client's MAC.
    public var clientMAC: MACAddress
    /// `ciaddr`: the client's address while it holds a lease (renewing, releasing).
    public var clientAddress: IPv4Address?
    /// `yiaddr`: the address the server offers or grants.
    public var yourAddress: IPv4Address?
    /// Asks the server to broadcast its replies (the client has no address yet).
    public var broadcast = true
    /// Option 50.
    public var requestedAddress: IPv4Address?
    /// Option 54.
    public var serverID: IPv4Address?
    /// Option 1.
    public var subnetMask: IPv4Address?
    /// Option 3 (the first router).
    public var router: IPv4Address?
    /// Option 6.
    public var dnsServers: [IPv4Address] = []
    /// Options 51, 58, 59, in seconds.
    public var leaseTime: UInt32?
    public var renewalTime: UInt32?
    public var rebindingTime: UInt32?
    /// Option 12.
    public var hostname: String?

    public init(kind: Kind, transactionID: UInt32, clientMAC: MACAddress) {
        self.kind = kind
        self.transactionID = transactionID
        self.clientMAC = clientMAC
    }

    static let magicCookie: [UInt8] = [99, 130, 83, 99]
    /// The fixed BOOTP part before the cookie.
    static let headerLength = 236

    /// Why bytes are not a DHCP reply Berth can use.
    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case tooShort(Int)
        case notAReply
        case badCookie
        case truncatedOption(UInt8)
        case noMessageType

        public var description: String {
            switch self {
            case .tooShort(let n): "DHCP message of \(n) bytes is shorter than a BOOTP header"
            case .notAReply: "not a BOOTREPLY"
            case .badCookie: "no DHCP magic cookie"
            case .truncatedOption(let code): "DHCP option \(code) runs past the end of the message"
            case .noMessageType: "DHCP message without a message type (option 53)"
            }
        }
    }

    /// The bytes a client sends (BOOTREQUEST).
    public func encoded() -> [UInt8] {
        var b = [UInt8](repeating: 0, count: Self.headerLength)
        b[0] = 1  // BOOTREQUEST
        b[1] = 1  // Ethernet
        b[2] = 6
        put32(&b, 4, transactionID)
        if broadcast { b[10] = 0x80 }
        if let a = clientAddress { put32(&b, 12, a.value) }
        for (i, byte) in clientMAC.bytes.prefix(16).enumerated() { b[28 + i] = byte }
        b += Self.magicCookie
        b += [53, 1, kind.rawValue]
        // The client identifier: type 1 (Ethernet) and the MAC, so a lease follows the MAC.
        b += [61, 7, 1] + clientMAC.bytes
        if let a = requestedAddress { b += [50, 4] + Self.bytes(a) }
        if let a = serverID { b += [54, 4] + Self.bytes(a) }
        if let name = hostname, !name.isEmpty {
            let utf8 = Array(name.utf8.prefix(255))
            b += [12, UInt8(utf8.count)] + utf8
        }
        if kind == .discover || kind == .request { b += [55, 6, 1, 3, 6, 51, 58, 59] }
        b.append(255)
        // Some servers ignore BOOTP messages shorter than 300 bytes.
        if b.count < 300 { b += [UInt8](repeating: 0, count: 300 - b.count) }
        return b
    }

    /// Reads a server's reply (BOOTREPLY); unknown options are skipped.
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> DHCPMessage {
        guard bytes.count >= headerLength + 4 else { throw .tooShort(bytes.count) }
        guard bytes[0] == 2 else { throw .notAReply }
        guard Array(bytes[headerLength..<headerLength + 4]) == magicCookie else { throw .badCookie }
        let mac = MACAddress(bytes: Array(bytes[28..<34])) ?? MACAddress(bytes: [0, 0, 0, 0, 0, 0])!
        var m = DHCPMessage(kind: .offer, transactionID: get32(bytes, 4), clientMAC: mac)
        m.broadcast = bytes[10] & 0x80 != 0
        m.clientAddress = nonzero(get32(bytes, 12))
        m.yourAddress = nonzero(get32(bytes, 16))
        var kind: Kind?
        var i = headerLength + 4
        while i < bytes.count {
            let code = bytes[i]
            if code == 255 { break }
            if code == 0 { i += 1; continue }
            guard i + 1 < bytes.count, i + 2 + Int(bytes[i + 1]) <= bytes.count else { throw .truncatedOption(code) }
            let value = Array(bytes[(i + 2)..<(i + 2 + Int(bytes[i + 1]))])
            i += 2 + value.count
            let address = value.count >= 4 ? IPv4Address(get32(value, 0)) : nil
            let seconds = value.count == 4 ? get32(value, 0) : nil
            switch code {
            case 53: kind = value.first.flatMap(Kind.init(rawValue:))
            case 1: m.subnetMask = address
            case 3: m.router = address
            case 6: m.dnsServers = stride(from: 0, to: value.count - 3, by: 4).map { IPv4Address(get32(value, $0)) }
            case 12: m.hostname = String(decoding: value, as: UTF8.self)
            case 50: m.requestedAddress = address
            case 51: m.leaseTime = seconds
            case 54: m.serverID = address
            case 58: m.renewalTime = seconds
            case 59: m.rebindingTime = seconds
            default: break
            }
        }
        guard let kind else { throw .noMessageType }
        m.kind = kind
        return m
    }

    static func bytes(_ a: IPv4Address) -> [UInt8] {
        [UInt8(a.value >> 24), UInt8(a.value >> 16 & 0xff), UInt8(a.value >> 8 & 0xff), UInt8(a.value & 0xff)]
    }

    private static func nonzero(_ v: UInt32) -> IPv4Address? { v == 0 ? nil : IPv4Address(v) }
}

private func put32(_ b: inout [UInt8], _ at: Int, _ v: UInt32) {
    b[at] = UInt8(v >> 24); b[at + 1] = UInt8(v >> 16 & 0xff); b[at + 2] = UInt8(v >> 8 & 0xff); b[at + 3] = UInt8(v & 0xff)
}

private func get32(_ b: [UInt8], _ at: Int) -> UInt32 {
    UInt32(b[at]) << 24 | UInt32(b[at + 1]) << 16 | UInt32(b[at + 2]) << 8 | UInt32(b[at + 3])
}
