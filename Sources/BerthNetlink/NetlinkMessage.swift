import CBerth

/// One netlink message as received: its `nlmsghdr` fields and the payload after the header.
package struct NetlinkMessage: Hashable, Sendable {
    package var type: NetlinkMessageType
    package var flags: NetlinkFlags
    package var sequence: UInt32
    package var portID: UInt32
    package var payload: [UInt8]

    /// `sizeof(struct nlmsghdr)`.
    package static let headerSize = MemoryLayout<nlmsghdr>.size

    package init(
        type: NetlinkMessageType, flags: NetlinkFlags, sequence: UInt32, portID: UInt32, payload: [UInt8]
    ) {
        self.type = type
        self.flags = flags
        self.sequence = sequence
        self.portID = portID
        self.payload = payload
    }

    /// Splits one datagram into its messages (a dump packs many into each datagram).
    /// Every length is checked against what remains, so garbage throws instead of trapping.
    package static func parse(datagram bytes: [UInt8]) throws -> [NetlinkMessage] {
        var messages: [NetlinkMessage] = []
        var offset = 0
        while offset < bytes.count {
            guard let header = bytes.loadRaw(nlmsghdr.self, at: offset) else {
                throw NetlinkError.malformed(
                    "\(bytes.count - offset) trailing bytes at offset \(offset), shorter than nlmsghdr")
            }
            let length = Int(header.nlmsg_len)
            guard length >= headerSize, length <= bytes.count - offset else {
                throw NetlinkError.malformed(
                    "message at offset \(offset) claims \(length) bytes, \(bytes.count - offset) remain")
            }
            messages.append(
                NetlinkMessage(
                    type: NetlinkMessageType(rawValue: header.nlmsg_type),
                    flags: NetlinkFlags(rawValue: header.nlmsg_flags),
                    sequence: header.nlmsg_seq,
                    portID: header.nlmsg_pid,
                    payload: Array(bytes[(offset + headerSize)..<(offset + length)])))
            // The last message of a datagram may omit its padding.
            offset = min(offset + NetlinkBytes.aligned(length), bytes.count)
        }
        return messages
    }

    /// What a reply message means for the exchange that is waiting for it.
    package enum Reply: Hashable, Sendable {
        /// Data: an `RTM_NEWLINK` for a link, an `RTM_NEWADDR` for an address...
        case data
        /// `NLMSG_ERROR` with error 0: the request succeeded.
        case ack
        /// `NLMSG_ERROR` with a negative error: the request failed with this (positive) errno.
        case error(errno: Int32)
        /// `NLMSG_DONE`: the end of a dump; a negative status in its payload is an errno.
        case done(errno: Int32?)
        /// `NLMSG_NOOP`: to be ignored.
        case noop
    }

    /// Classifies this message; a control message whose payload is too short throws.
    package func reply() throws -> Reply {
        switch type {
        case .NLMSG_NOOP:
            return .noop
        case .NLMSG_ERROR:
            // struct nlmsgerr { int error; struct nlmsghdr msg; } (the original request follows).
            guard let error = payload.loadRaw(Int32.self) else {
                throw NetlinkError.malformed("NLMSG_ERROR payload of \(payload.count) bytes, expected nlmsgerr")
            }
            if error == 0 { return .ack }
            guard error < 0, error != Int32.min else {
                throw NetlinkError.malformed("NLMSG_ERROR carries \(error), expected 0 or a negative errno")
            }
            return .error(errno: -error)
        case .NLMSG_DONE:
            // Since Linux 2.6.x the kernel appends the dump's final status as an int.
            guard let status = payload.loadRaw(Int32.self), status < 0, status != Int32.min else {
                return .done(errno: nil)
            }
            return .done(errno: -status)
        case .NLMSG_OVERRUN:
            throw NetlinkError.malformed("NLMSG_OVERRUN: the kernel dropped data")
        default:
            return .data
        }
    }
}
