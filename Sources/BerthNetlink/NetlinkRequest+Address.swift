import BerthCore
import CBerth

#if canImport(Glibc)
import Glibc
#endif

/// Requests on interface addresses (`RTM_*ADDR`). `ifaddrmsg` has no name field, so the
/// caller resolves the link's index first.
extension NetlinkRequest {
    /// `struct ifaddrmsg`.
    package static func addressHeader(
        family: Int32, prefixLength: Int = 0, flags: Int32 = 0, index: Int32 = 0
    ) -> [UInt8] {
        var header = ifaddrmsg()
        header.ifa_family = UInt8(truncatingIfNeeded: family)
        header.ifa_prefixlen = UInt8(truncatingIfNeeded: prefixLength)
        header.ifa_flags = UInt8(truncatingIfNeeded: flags)
        header.ifa_scope = UInt8(RT_SCOPE_UNIVERSE.rawValue)
        header.ifa_index = UInt32(bitPattern: index)
        var bytes: [UInt8] = []
        bytes.appendRaw(header)
        return bytes
    }

    /// `RTM_NEWADDR` adding `address` (host part kept, e.g. `172.18.0.1/16`) to link `index`.
    ///
    /// IPv4 sends `IFA_LOCAL`, `IFA_ADDRESS` and, below /31, `IFA_BROADCAST` (the block's last
    /// address), as `ip addr add ... brd +` does. IPv6 sends `IFA_ADDRESS` with `IFA_F_NODAD`:
    /// Berth's IPAM owns the subnet, so duplicate detection would only leave the address
    /// tentative (unusable) for a second or more after the link comes up.
    package static func addAddress(_ address: CIDR, index: Int32) throws -> NetlinkRequest {
        guard index > 0 else { throw NetlinkError.invalidArgument("invalid interface index \(index)") }
        guard address.prefixLength >= 0, address.prefixLength <= address.family.bits else {
            throw NetlinkError.invalidArgument("invalid prefix length in \(address)")
        }
        let bytes = address.address.bytes
        let header: [UInt8]
        var attributes: [NetlinkAttribute]
        switch address.family {
        case .v4:
            header = addressHeader(family: AF_INET, prefixLength: address.prefixLength, index: index)
            attributes = [.bytes(IFA_LOCAL, bytes), .bytes(IFA_ADDRESS, bytes)]
            if address.prefixLength < 31 {
                attributes.append(.bytes(IFA_BROADCAST, address.last.bytes))
            }
        case .v6:
            header = addressHeader(
                family: AF_INET6, prefixLength: address.prefixLength, flags: IFA_F_NODAD, index: index)
            attributes = [.bytes(IFA_ADDRESS, bytes)]
        }
        return NetlinkRequest(
            type: .RTM_NEWADDR, flags: [.NLM_F_REQUEST, .NLM_F_ACK, .NLM_F_CREATE, .NLM_F_EXCL],
            header: header, attributes: attributes)
    }

    /// `RTM_GETADDR` dump of every address of both families; the caller filters by index.
    package static func dumpAddresses() -> NetlinkRequest {
        NetlinkRequest(
            type: .RTM_GETADDR, flags: [.NLM_F_REQUEST, .NLM_F_DUMP], header: addressHeader(family: AF_UNSPEC))
    }
}
