/// A link made on top of a parent device, as the macvlan and ipvlan drivers make them: a macvlan
/// or ipvlan child (each with its own or the parent's MAC), or an 802.1q VLAN sub-interface.
public enum ChildLinkKind: Hashable, Sendable {
    case macvlan(MacvlanMode)
    case ipvlan(IpvlanMode, IpvlanFlag)
    /// An 802.1q sub-interface with this VLAN id (1-4094).
    case vlan(id: Int)

    /// `IFLA_INFO_KIND`.
    public var kind: String {
        switch self {
        case .macvlan: "macvlan"
        case .ipvlan: "ipvlan"
        case .vlan: "vlan"
        }
    }
}

/// macvlan modes (`-o macvlan_mode`), with the kernel's `MACVLAN_MODE_*` values.
public enum MacvlanMode: String, CaseIterable, Hashable, Sendable {
    case `private`, vepa, bridge, passthru

    /// `enum macvlan_mode` in `linux/if_link.h`.
    public var kernelValue: UInt32 {
        switch self {
        case .private: 1
        case .vepa: 2
        case .bridge: 4
        case .passthru: 8
        }
    }
}

/// ipvlan modes (`-o ipvlan_mode`), with the kernel's `IPVLAN_MODE_*` values.
public enum IpvlanMode: String, CaseIterable, Hashable, Sendable {
    case l2, l3, l3s

    public var kernelValue: UInt16 {
        switch self {
        case .l2: 0
        case .l3: 1
        case .l3s: 2
        }
    }
}

/// ipvlan flags (`-o ipvlan_flag`), with the kernel's `IPVLAN_F_*` values (bridge is none).
public enum IpvlanFlag: String, CaseIterable, Hashable, Sendable {
    case bridge, `private`, vepa

    public var kernelValue: UInt16 {
        switch self {
        case .bridge: 0
        case .private: 1
        case .vepa: 2
        }
    }
}
