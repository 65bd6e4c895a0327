import BerthCore
import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// An interface address as the kernel reports it in `RTM_NEWADDR`.
public struct AddressInfo: Hashable, Sendable {
    /// `ifa_index`: the link carrying the address.
    public var index: Int32
    /// The address with its host part and prefix length, e.g. `172.18.0.1/16`.
    public var cidr: CIDR

    public init(index: Int32, cidr: CIDR) {
        self.index = index
        self.cidr = cidr
    }
}

extension AddressInfo {
    /// Decodes an `RTM_NEWADDR` message: `ifaddrmsg`, then `IFA_*` attributes. Returns `nil` for
    /// families other than IPv4 and IPv6.
    ///
    /// `IFA_LOCAL` is the interface's own address and wins over `IFA_ADDRESS`, which is the
    /// peer on point-to-point links (iproute2 reads them the same way).
    package init?(message: NetlinkMessage) throws {
        guard message.type == .RTM_NEWADDR else {
            throw NetlinkError.malformed("expected RTM_NEWADDR, got \(message.type)")
        }
        guard let header = message.payload.loadRaw(ifaddrmsg.self) else {
            throw NetlinkError.malformed(
                "RTM_NEWADDR payload of \(message.payload.count) bytes is shorter than ifaddrmsg")
        }
        let family: IPFamily
        switch Int32(header.ifa_family) {
        case AF_INET: family = .v4
        case AF_INET6: family = .v6
        default: return nil
        }
        let start = NetlinkBytes.aligned(MemoryLayout<ifaddrmsg>.size)
        let attributes = try NetlinkAttribute.parse(Array(message.payload.dropFirst(start)))
        guard let raw = attributes.attribute(IFA_LOCAL) ?? attributes.attribute(IFA_ADDRESS) else {
            throw NetlinkError.malformed("RTM_NEWADDR for index \(header.ifa_index) has no IFA_LOCAL or IFA_ADDRESS")
        }
        let address: IPAddress
        switch (family, raw.payload.count) {
        case (.v4, 4):
            address = .v4(IPv4Address(raw.payload[0], raw.payload[1], raw.payload[2], raw.payload[3]))
        case (.v6, 16):
            address = .v6(IPv6Address(bytes: raw.payload))
        default:
            throw NetlinkError.malformed(
                "RTM_NEWADDR \(family) address attribute has \(raw.payload.count) bytes")
        }
        let prefixLength = Int(header.ifa_prefixlen)
        guard prefixLength <= family.bits else {
            throw NetlinkError.malformed("RTM_NEWADDR prefix length \(prefixLength) exceeds \(family.bits)")
        }
        self.init(index: Int32(bitPattern: header.ifa_index), cidr: CIDR(address: address, prefixLength: prefixLength))
    }
}
