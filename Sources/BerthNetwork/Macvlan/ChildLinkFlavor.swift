#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthNetlink

/// What differs between the two drivers whose endpoints are children of a parent link:
/// `macvlan` (a MAC per child, parents shared except in passthru) and `ipvlan` (children share
/// the parent's MAC, one network per parent, l3 modes route without a gateway). Pure: every
/// rule here is dockerd's, in its words.
public enum ChildLinkFlavor: String, Sendable, CaseIterable {
    case macvlan, ipvlan

    /// The option naming the mode: `macvlan_mode` or `ipvlan_mode`.
    public var modeOption: String { rawValue + "_mode" }
    /// ipvlan's second option (`bridge`, `private`, `vepa`; dockerd 23 and later).
    public static let flagOption = "ipvlan_flag"

    /// The kind of child link a network with `options` makes; throws dockerd's 400 for a bad
    /// mode or flag.
    public func kind(_ options: [String: String]) throws(BerthError) -> ChildLinkKind {
        switch self {
        case .macvlan:
            return .macvlan(try MacvlanMode.parse(options[modeOption]))
        case .ipvlan:
            return .ipvlan(try IpvlanMode.parse(options[modeOption]), try IpvlanFlag.parse(options[Self.flagOption]))
        }
    }

    /// Whether each child has a MAC of its own. ipvlan children share the parent's, so a
    /// `--mac-address` is refused and inspect shows none.
    public var ownMAC: Bool { self == .macvlan }

    /// Whether a network with `options` routes out of the interface without a gateway
    /// (`default dev eth0`): ipvlan's l3 and l3s modes, where the kernel routes between the
    /// children and the upstream router knows the subnets.
    public func routesOnLink(_ options: [String: String]) -> Bool {
        guard self == .ipvlan, case .ipvlan(let mode, _)? = try? kind(options) else { return false }
        return mode != .l2
    }

    /// Refuses a network whose parent `others` (networks of the same driver on the same
    /// parent) already use, where dockerd refuses it.
    func checkSharing(_ options: [String: String], parent: String, others: [Network]) throws(BerthError) {
        guard let other = others.first else { return }
        switch self {
        case .ipvlan:
            // dockerd names the other network by its would-be dummy parent, whatever its parent.
            throw .forbidden("network di-\(other.id.prefix(12)) is already using parent interface \(parent)")
        case .macvlan:
            let passthru = { (o: [String: String]) in (try? MacvlanMode.parse(o[self.modeOption])) == .passthru }
            if passthru(options) {
                throw .forbidden("cannot use mode passthru, macvlan network \(other.id) is already using parent interface \(parent)")
            }
            if let p = others.first(where: { passthru($0.record.options) }) {
                throw .forbidden("macvlan network \(p.id) is already using parent interface \(parent) in mode passthru")
            }
        }
    }

    /// The message for a kernel that refuses the child: no support for the link kind
    /// (`EOPNOTSUPP`), or a parent already serving another kind of child or a bridge (`EBUSY`).
    func childRefusal(_ errno: Int32, parent: String) -> BerthError? {
        switch errno {
        case EOPNOTSUPP:
            return BerthError(.notImplemented, "failed to create the \(rawValue) port: this kernel has no \(rawValue) support (module \(rawValue)); use a kernel with CONFIG_\(rawValue.uppercased()) or another driver")
        case EBUSY:
            let other = self == .macvlan ? "ipvlan" : "macvlan"
            return .forbidden("failed to create the \(rawValue) port: parent interface \(parent) is busy: it already carries \(other) children or is a bridge port, and a parent serves one kind only; use another parent")
        default:
            return nil
        }
    }
}
