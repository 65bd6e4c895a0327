import CBerth

/// One netlink attribute (`struct rtattr` / `struct nlattr`): a 4-byte header
/// (`rta_len`, `rta_type`), the payload, then padding to a 4-byte boundary.
///
/// Nested attributes (`IFLA_LINKINFO`) are attributes whose payload is itself a
/// sequence of attributes, sometimes after a fixed header (`VETH_INFO_PEER` carries an
/// `ifinfomsg` first).
package struct NetlinkAttribute: Hashable, Sendable {
    /// The attribute type with `NLA_F_NESTED` / `NLA_F_NET_BYTEORDER` masked off.
    package var type: UInt16
    package var payload: [UInt8]

    /// `sizeof(struct rtattr)`.
    package static let headerSize = 4

    package init(type: UInt16, payload: [UInt8]) {
        self.type = type
        self.payload = payload
    }

    private init(_ type: some BinaryInteger, payload: [UInt8]) {
        self.init(type: UInt16(type), payload: payload)
    }

    /// A NUL-terminated string attribute (`NLA_STRING` / `NLA_NUL_STRING`), as iproute2 sends.
    package static func string(_ type: some BinaryInteger, _ value: String) -> Self {
        Self(type, payload: Array(value.utf8) + [0])
    }

    /// A host-order 32-bit attribute (`IFLA_MTU`, `IFLA_MASTER`).
    package static func uint32(_ type: some BinaryInteger, _ value: UInt32) -> Self {
        var payload: [UInt8] = []
        payload.appendRaw(value)
        return Self(type, payload: payload)
    }

    /// An 8-bit attribute (`IFLA_VXLAN_LEARNING`).
    package static func uint8(_ type: some BinaryInteger, _ value: UInt8) -> Self {
        Self(type, payload: [value])
    }

    /// A host-order 16-bit attribute (`IFLA_VLAN_ID`, `IFLA_IPVLAN_MODE`).
    package static func uint16(_ type: some BinaryInteger, _ value: UInt16) -> Self {
        var payload: [UInt8] = []
        payload.appendRaw(value)
        return Self(type, payload: payload)
    }

    /// An attribute carrying raw bytes (addresses, in network order).
    package static func bytes(_ type: some BinaryInteger, _ value: [UInt8]) -> Self {
        Self(type, payload: value)
    }

    /// A nested attribute: an optional fixed header, then the encoded children.
    package static func nested(
        _ type: some BinaryInteger, header: [UInt8] = [], _ children: [NetlinkAttribute]
    ) -> Self {
        var payload = header
        payload.padToAlignment()
        for child in children { child.encode(into: &payload) }
        return Self(type, payload: payload)
    }

    /// `rta_len`: header plus payload, without trailing padding.
    package var length: Int { Self.headerSize + payload.count }

    /// Appends header, payload and padding. Lengths over 65535 cannot be represented;
    /// `NetlinkRequest.encoded` refuses them before anything reaches the kernel.
    package func encode(into bytes: inout [UInt8]) {
        bytes.padToAlignment()
        bytes.appendRaw(UInt16(truncatingIfNeeded: length))
        bytes.appendRaw(type)
        bytes.append(contentsOf: payload)
        bytes.padToAlignment()
    }

    /// Parses a sequence of attributes the way the kernel's `nla_ok` walks them: each must fit
    /// in what remains; fewer than 4 trailing bytes are padding.
    package static func parse(_ bytes: [UInt8]) throws -> [NetlinkAttribute] {
        var attributes: [NetlinkAttribute] = []
        var offset = 0
        while bytes.count - offset >= headerSize {
            guard let length = bytes.loadRaw(UInt16.self, at: offset),
                let rawType = bytes.loadRaw(UInt16.self, at: offset + 2)
            else { break }
            let total = Int(length)
            guard total >= headerSize, total <= bytes.count - offset else {
                throw NetlinkError.malformed(
                    "attribute at offset \(offset) claims \(total) bytes, \(bytes.count - offset) remain")
            }
            let payload = Array(bytes[(offset + headerSize)..<(offset + total)])
            // NLA_TYPE_MASK (a macro Swift cannot import): drop the nested / byte-order bits.
            let type = rawType & ~UInt16(NLA_F_NESTED | NLA_F_NET_BYTEORDER)
            attributes.append(NetlinkAttribute(type: type, payload: payload))
            offset += NetlinkBytes.aligned(total)
        }
        return attributes
    }

    /// The payload as a string, up to the first NUL. Invalid UTF-8 is replaced, never trusted.
    package var stringValue: String {
        let end = payload.firstIndex(of: 0) ?? payload.endIndex
        return String(decoding: payload[..<end], as: UTF8.self)
    }

    /// The payload as a host-order 32-bit value.
    package func uint32Value() throws -> UInt32 {
        guard payload.count >= 4, let value = payload.loadRaw(UInt32.self) else {
            throw NetlinkError.malformed("attribute \(type) has \(payload.count) bytes, expected 4")
        }
        return value
    }

    /// The payload parsed as nested attributes, skipping a fixed header of `headerLength` bytes.
    package func nestedAttributes(afterHeader headerLength: Int = 0) throws -> [NetlinkAttribute] {
        let start = NetlinkBytes.aligned(headerLength)
        guard start <= payload.count else {
            throw NetlinkError.malformed(
                "nested attribute \(type) has \(payload.count) bytes, shorter than its \(headerLength)-byte header")
        }
        return try Self.parse(Array(payload[start...]))
    }
}

extension Array where Element == NetlinkAttribute {
    /// The attribute of `type`; when repeated, the last one wins, as in the kernel's `nla_parse`.
    package func attribute(_ type: some BinaryInteger) -> NetlinkAttribute? {
        last { $0.type == UInt16(truncatingIfNeeded: type) }
    }
}
