import BerthCore
import CBerth

/// A network interface as the kernel reports it in `RTM_NEWLINK`.
public struct LinkInfo: Hashable, Sendable {
    /// `ifi_index`.
    public var index: Int32
    /// `IFLA_IFNAME`.
    public var name: String
    /// `IFLA_LINKINFO` / `IFLA_INFO_KIND` (`bridge`, `veth`...); `nil` for physical devices and `lo`.
    public var kind: String?
    /// `IFLA_IFALIAS`, which Berth uses to mark the links it created.
    public var alias: String?
    /// `IFLA_MTU`.
    public var mtu: Int
    /// `ifi_flags`.
    public var flags: LinkFlags
    /// `IFLA_MASTER`: the bridge this link is a port of.
    public var masterIndex: Int32?
    /// `IFLA_ADDRESS` when it is an Ethernet address (6 bytes).
    public var mac: MACAddress?

    /// Whether the link is administratively up (`IFF_UP`).
    public var isUp: Bool { flags.contains(.IFF_UP) }

    /// Builds a link description (the kernel's come from `RTM_NEWLINK`; tests and doubles make their own).
    public init(
        index: Int32, name: String, kind: String? = nil, alias: String? = nil, mtu: Int,
        flags: LinkFlags = [], masterIndex: Int32? = nil, mac: MACAddress? = nil
    ) {
        self.index = index
        self.name = name
        self.kind = kind
        self.alias = alias
        self.mtu = mtu
        self.flags = flags
        self.masterIndex = masterIndex
        self.mac = mac
    }
}

extension LinkInfo {
    /// Decodes an `RTM_NEWLINK` message: `ifinfomsg`, then `IFLA_*` attributes.
    package init(message: NetlinkMessage) throws {
        guard message.type == .RTM_NEWLINK else {
            throw NetlinkError.malformed("expected RTM_NEWLINK, got \(message.type)")
        }
        guard let header = message.payload.loadRaw(ifinfomsg.self) else {
            throw NetlinkError.malformed(
                "RTM_NEWLINK payload of \(message.payload.count) bytes is shorter than ifinfomsg")
        }
        let start = NetlinkBytes.aligned(MemoryLayout<ifinfomsg>.size)
        let attributes = try NetlinkAttribute.parse(Array(message.payload.dropFirst(start)))
        guard let name = attributes.attribute(IFLA_IFNAME)?.stringValue, !name.isEmpty else {
            throw NetlinkError.malformed("RTM_NEWLINK for index \(header.ifi_index) has no IFLA_IFNAME")
        }
        var kind: String?
        if let linkInfo = attributes.attribute(IFLA_LINKINFO) {
            kind = try linkInfo.nestedAttributes().attribute(IFLA_INFO_KIND)?.stringValue
        }
        let alias = attributes.attribute(IFLA_IFALIAS)?.stringValue
        let mtu = try attributes.attribute(IFLA_MTU)?.uint32Value()
        let master = try attributes.attribute(IFLA_MASTER)?.uint32Value()
        self.init(
            index: header.ifi_index,
            name: name,
            kind: kind,
            alias: alias.flatMap { $0.isEmpty ? nil : $0 },
            mtu: mtu.map { Int($0) } ?? 0,
            flags: LinkFlags(rawValue: header.ifi_flags),
            masterIndex: master.flatMap { $0 == 0 ? nil : Int32(bitPattern: $0) },
            mac: attributes.attribute(IFLA_ADDRESS).flatMap { MACAddress(bytes: $0.payload) })
    }
}
