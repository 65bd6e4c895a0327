import CBerth

/// `nlmsg_type`: a netlink control message (`NLMSG_*`) or an rtnetlink request (`RTM_*`).
package struct NetlinkMessageType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    package var rawValue: UInt16

    package init(rawValue: UInt16) { self.rawValue = rawValue }

    private init(_ value: some BinaryInteger) { rawValue = UInt16(value) }

    package static let NLMSG_NOOP = Self(CBerth.NLMSG_NOOP)
    package static let NLMSG_ERROR = Self(CBerth.NLMSG_ERROR)
    package static let NLMSG_DONE = Self(CBerth.NLMSG_DONE)
    package static let NLMSG_OVERRUN = Self(CBerth.NLMSG_OVERRUN)
    package static let RTM_NEWLINK = Self(CBerth.RTM_NEWLINK)
    package static let RTM_DELLINK = Self(CBerth.RTM_DELLINK)
    package static let RTM_GETLINK = Self(CBerth.RTM_GETLINK)
    package static let RTM_SETLINK = Self(CBerth.RTM_SETLINK)
    package static let RTM_NEWADDR = Self(CBerth.RTM_NEWADDR)
    package static let RTM_DELADDR = Self(CBerth.RTM_DELADDR)
    package static let RTM_GETADDR = Self(CBerth.RTM_GETADDR)
    package static let RTM_NEWROUTE = Self(CBerth.RTM_NEWROUTE)
    package static let RTM_DELROUTE = Self(CBerth.RTM_DELROUTE)
    package static let RTM_GETROUTE = Self(CBerth.RTM_GETROUTE)
    package static let RTM_NEWNEIGH = Self(CBerth.RTM_NEWNEIGH)
    package static let RTM_DELNEIGH = Self(CBerth.RTM_DELNEIGH)

    private static let names: [Self: String] = [
        .NLMSG_NOOP: "NLMSG_NOOP", .NLMSG_ERROR: "NLMSG_ERROR", .NLMSG_DONE: "NLMSG_DONE",
        .NLMSG_OVERRUN: "NLMSG_OVERRUN", .RTM_NEWLINK: "RTM_NEWLINK", .RTM_DELLINK: "RTM_DELLINK",
        .RTM_GETLINK: "RTM_GETLINK", .RTM_SETLINK: "RTM_SETLINK", .RTM_NEWADDR: "RTM_NEWADDR",
        .RTM_DELADDR: "RTM_DELADDR", .RTM_GETADDR: "RTM_GETADDR", .RTM_NEWROUTE: "RTM_NEWROUTE",
        .RTM_DELROUTE: "RTM_DELROUTE", .RTM_GETROUTE: "RTM_GETROUTE", .RTM_NEWNEIGH: "RTM_NEWNEIGH",
        .RTM_DELNEIGH: "RTM_DELNEIGH",
    ]

    /// The kernel spelling (`RTM_NEWLINK`), used in error messages.
    package var description: String { Self.names[self] ?? "message type \(rawValue)" }
}

/// `nlmsg_flags`. Several bits mean different things for requests and replies
/// (`NLM_F_ROOT` / `NLM_F_REPLACE` / `NLM_F_CAPPED` share 0x100), as in the kernel headers.
package struct NetlinkFlags: OptionSet, Hashable, Sendable {
    package var rawValue: UInt16

    package init(rawValue: UInt16) { self.rawValue = rawValue }

    private init(_ value: some BinaryInteger) { rawValue = UInt16(value) }

    package static let NLM_F_REQUEST = Self(CBerth.NLM_F_REQUEST)
    package static let NLM_F_MULTI = Self(CBerth.NLM_F_MULTI)
    package static let NLM_F_ACK = Self(CBerth.NLM_F_ACK)
    package static let NLM_F_ECHO = Self(CBerth.NLM_F_ECHO)
    package static let NLM_F_DUMP_INTR = Self(CBerth.NLM_F_DUMP_INTR)
    package static let NLM_F_ROOT = Self(CBerth.NLM_F_ROOT)
    package static let NLM_F_MATCH = Self(CBerth.NLM_F_MATCH)
    package static let NLM_F_DUMP = Self(CBerth.NLM_F_DUMP)
    package static let NLM_F_REPLACE = Self(CBerth.NLM_F_REPLACE)
    package static let NLM_F_EXCL = Self(CBerth.NLM_F_EXCL)
    package static let NLM_F_CREATE = Self(CBerth.NLM_F_CREATE)
}
