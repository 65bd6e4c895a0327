import BerthCore

#if canImport(Glibc)
import Glibc
#endif

/// Address operations. `ifaddrmsg` addresses links by index, so each resolves the name first.
extension NetlinkSession {
    /// Adds `address` to the link; an address that is already there is not an error.
    public func addAddress(_ address: CIDR, link name: String) throws {
        let request = try NetlinkRequest.addAddress(address, index: index(ofLink: name))
        do {
            _ = try execute(request)
        } catch NetlinkError.kernel(_, EEXIST) {
            // Idempotent: converging on "the link has this address" is what callers want.
        }
    }

    /// The addresses of the link called `name`, IPv4 first, in the kernel's order.
    public func addresses(link name: String) throws -> [CIDR] {
        let index = try index(ofLink: name)
        return try addresses().filter { $0.index == index }.map(\.cidr)
    }

    /// Every IPv4 and IPv6 address in the socket's namespace.
    public func addresses() throws -> [AddressInfo] {
        try dump(.dumpAddresses()).compactMap { message in
            message.type == .RTM_NEWADDR ? try AddressInfo(message: message) : nil
        }
    }
}
