import CBerth

/// An rtnetlink request before framing: message type, flags, the family header
/// (`ifinfomsg`, `ifaddrmsg`) and attributes. `NetlinkSession` assigns the sequence number.
package struct NetlinkRequest: Hashable, Sendable {
    package var type: NetlinkMessageType
    package var flags: NetlinkFlags
    /// The fixed family header that follows `nlmsghdr`, already in wire form.
    package var header: [UInt8]
    package var attributes: [NetlinkAttribute]

    package init(
        type: NetlinkMessageType, flags: NetlinkFlags, header: [UInt8], attributes: [NetlinkAttribute] = []
    ) {
        self.type = type
        self.flags = flags
        self.header = header
        self.attributes = attributes
    }

    /// Whether the reply is a multipart dump that ends with `NLMSG_DONE` rather than an ACK.
    package var isDump: Bool { flags.contains(.NLM_F_DUMP) }

    /// The operation name used in errors (`RTM_NEWLINK`).
    package var operation: String { type.description }

    /// The request on the wire: `nlmsghdr`, the aligned family header, aligned attributes.
    /// Throws when an attribute is longer than `rta_len` (16 bits) can express.
    package func encoded(sequence: UInt32, portID: UInt32) throws -> [UInt8] {
        var body = header
        for attribute in attributes {
            guard attribute.length <= Int(UInt16.max) else {
                throw NetlinkError.invalidArgument(
                    "\(operation): attribute \(attribute.type) is \(attribute.length) bytes, over the 65535-byte limit")
            }
            attribute.encode(into: &body)
        }
        body.padToAlignment()
        let total = NetlinkMessage.headerSize + body.count
        guard let length = UInt32(exactly: total) else {
            throw NetlinkError.invalidArgument("\(operation): request of \(total) bytes is too large")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(total)
        bytes.appendRaw(
            nlmsghdr(
                nlmsg_len: length, nlmsg_type: type.rawValue, nlmsg_flags: flags.rawValue,
                nlmsg_seq: sequence, nlmsg_pid: portID))
        bytes.append(contentsOf: body)
        return bytes
    }
}
