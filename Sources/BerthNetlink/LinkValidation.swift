import BerthCore
import CBerth

/// The kernel's rules for interface names, aliases and MTUs, checked before a request is sent
/// so a bad value is reported as such rather than as a bare `EINVAL`.
package enum LinkValidation {
    /// `IFNAMSIZ - 1`: the longest name the kernel accepts, in bytes.
    package static let maximumLength = Int(IFNAMSIZ) - 1
    /// `IFALIASZ - 1`: the longest alias the kernel accepts, in bytes.
    package static let maximumAliasLength = Int(IFALIASZ) - 1

    /// Mirrors `dev_valid_name()`: 1 to 15 bytes, not `.` or `..`, no `/`, `:`, whitespace or NUL.
    package static func validateName(_ name: String) throws {
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty else {
            throw NetlinkError.invalidArgument("interface name is empty")
        }
        guard bytes.count <= maximumLength else {
            throw NetlinkError.invalidArgument(
                "interface name \"\(name)\" is \(bytes.count) bytes, the kernel allows at most \(maximumLength)")
        }
        // NUL, '/', ':', and what C's isspace() accepts: ' ', \t, \n, \v, \f, \r.
        let forbidden: Set<UInt8> = [0x00, 0x2f, 0x3a, 0x20, 0x09, 0x0a, 0x0b, 0x0c, 0x0d]
        guard name != ".", name != "..", !bytes.contains(where: forbidden.contains) else {
            throw NetlinkError.invalidArgument(
                "invalid interface name \"\(name)\": it must not be \".\" or \"..\" nor contain '/', ':' or whitespace")
        }
    }

    /// An alias (`IFLA_IFALIAS`) must fit in `IFALIASZ - 1` bytes and hold no NUL.
    package static func validateAlias(_ alias: String) throws {
        let count = alias.utf8.count
        guard count <= maximumAliasLength, !alias.utf8.contains(0) else {
            throw NetlinkError.invalidArgument(
                "interface alias of \(count) bytes is invalid: at most \(maximumAliasLength) bytes, no NUL")
        }
    }

    /// An MTU must be positive and fit the kernel's 32-bit field; the device checks its own range.
    package static func validatedMTU(_ mtu: Int) throws -> UInt32 {
        guard mtu > 0, let value = UInt32(exactly: mtu) else {
            throw NetlinkError.invalidArgument("invalid MTU \(mtu): it must be a positive 32-bit value")
        }
        return value
    }

    /// An Ethernet address the kernel accepts for a device (`is_valid_ether_addr`): not
    /// all-zero, not multicast (the low bit of the first byte).
    package static func validateMAC(_ mac: MACAddress) throws {
        guard mac.bytes.count == 6, mac.bytes.contains(where: { $0 != 0 }), mac.bytes[0] & 0x01 == 0 else {
            throw NetlinkError.invalidArgument(
                "invalid MAC address \(mac): it must be a unicast address and not all zeros")
        }
    }

    /// A namespace file descriptor must be non-negative; the kernel checks it names a namespace.
    package static func validatedNamespaceFD(_ fd: Int32) throws -> UInt32 {
        guard fd >= 0 else { throw NetlinkError.invalidArgument("invalid namespace file descriptor \(fd)") }
        return UInt32(bitPattern: fd)
    }
}
