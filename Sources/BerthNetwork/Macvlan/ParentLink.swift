import BerthCore
import BerthNetlink

/// Where the children of a macvlan or ipvlan network hang, decided from `-o parent` as dockerd
/// decides it, in its words. Pure: the caller says which links exist.
public enum ParentLink: Hashable, Sendable {
    /// A link that exists; Berth never deletes it.
    case existing(String)
    /// An 802.1q sub-interface `base.id` Berth makes (and deletes with the last network using it).
    case vlan(name: String, base: String, id: Int)
    /// No parent given: an internal-only parent of Berth's own, `dm-<12>` (macvlan) or
    /// `di-<12>` (ipvlan) after the network id.
    case dummy(String)

    /// The parent's device name.
    public var name: String {
        switch self {
        case .existing(let n), .dummy(let n): n
        case .vlan(let n, _, _): n
        }
    }

    /// Reads `-o parent` for a network of `driver` (`macvlan` or `ipvlan`).
    public static func plan(
        parent: String?, networkID: String, driver: String, linkExists: (String) -> Bool
    ) throws(BerthError) -> ParentLink {
        guard let parent, !parent.isEmpty else {
            return .dummy((driver == "ipvlan" ? "di-" : "dm-") + networkID.prefix(12))
        }
        if parent == "lo" { throw .invalidArgument("loopback interface is not a valid \(driver) parent link") }
        if linkExists(parent) { return .existing(parent) }
        guard parent.contains(".") else {
            throw .invalidArgument("invalid subinterface vlan name \(parent), example formatting is eth0.10")
        }
        let parts = parent.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .invalidArgument("required interface name format is: name.vlan_id, ex. eth0.10 for vlan 10, instead received \(parent)")
        }
        guard let id = Int(parts[1]) else {
            throw .invalidArgument("unable to parse a valid vlan id from: \(parts[1]) (ex. eth0.10 for vlan 10)")
        }
        let base = String(parts[0])
        guard linkExists(base) else { throw .invalidArgument("-o parent interface was not found on the host: \(base)") }
        guard (1...4094).contains(id) else { throw .invalidArgument("vlan id must be between 1-4094, received: \(id)") }
        return .vlan(name: parent, base: base, id: id)
    }
}

extension MacvlanMode {
    /// `-o macvlan_mode`: empty is bridge; anything else unknown is refused in dockerd's words.
    public static func parse(_ text: String?) throws(BerthError) -> MacvlanMode {
        guard let text, !text.isEmpty else { return .bridge }
        guard let mode = MacvlanMode(rawValue: text) else {
            throw .invalidArgument("requested macvlan mode '\(text)' is not valid, 'bridge' mode is the macvlan driver default")
        }
        return mode
    }
}

extension IpvlanMode {
    /// `-o ipvlan_mode`: empty is l2.
    public static func parse(_ text: String?) throws(BerthError) -> IpvlanMode {
        guard let text, !text.isEmpty else { return .l2 }
        guard let mode = IpvlanMode(rawValue: text) else {
            throw .invalidArgument("requested ipvlan mode '\(text)' is not valid, 'l2' mode is the ipvlan driver default")
        }
        return mode
    }
}

extension IpvlanFlag {
    /// `-o ipvlan_flag`: empty is bridge.
    public static func parse(_ text: String?) throws(BerthError) -> IpvlanFlag {
        guard let text, !text.isEmpty else { return .bridge }
        guard let flag = IpvlanFlag(rawValue: text) else {
            throw .invalidArgument("requested ipvlan flag '\(text)' is not valid, 'bridge' is the ipvlan driver default")
        }
        return flag
    }
}
