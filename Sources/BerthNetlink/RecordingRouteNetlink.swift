import BerthCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An in-memory `RouteNetlink` for unit tests: it keeps a model of network namespaces with
/// their links, addresses and routes that behaves like the kernel where callers depend on it
/// (duplicate names fail with `EEXIST`, missing links with `ENODEV`, deleting a veth end
/// deletes its peer wherever it lives, deleting a bridge releases its ports, addresses bring
/// connected routes, a link going down loses its routes) and records every call, in order,
/// failed ones included.
///
/// One double is one machine. The double you create manages `.initial`; `view(namespaceFD:)`
/// gives a double for another namespace of the same machine, the way
/// `LinuxRouteNetlink(namespaceFD:)` does for the kernel. Namespace fds are opaque ids: a veth
/// peer created with `peerNamespaceFD: 7` or moved with `setNamespace(fd: 7)` shows up in
/// `view(namespaceFD: 7)`. Each view records its own calls and injected failures.
public final class RecordingRouteNetlink: RouteNetlink {
    /// One call, with its arguments.
    public enum Call: Hashable, Sendable {
        case createBridge(name: String, mtu: Int?, alias: String?)
        case deleteLink(name: String)
        case setLinkUp(name: String)
        case setLinkDown(name: String)
        case setMTU(name: String, mtu: Int)
        case setAlias(name: String, alias: String)
        case setMAC(name: String, mac: MACAddress)
        case rename(name: String, to: String)
        case addAddress(CIDR, link: String)
        case links
        case link(named: String)
        case addresses(link: String)
        case createVeth(name: String, peerName: String, peerNamespaceFD: Int32?, mtu: Int?)
        case createChild(name: String, parent: String, kind: ChildLinkKind, namespaceFD: Int32?, mac: MACAddress?)
        case setMaster(name: String, master: String)
        case setHairpin(name: String, on: Bool)
        case setNamespace(name: String, fd: Int32)
        case addRoute(destination: CIDR?, gateway: IPAddress?, link: String, table: Int?, metric: Int?)
        case deleteRoute(destination: CIDR?, gateway: IPAddress?, link: String, table: Int?, metric: Int?)
        case routes(link: String?)
        case createVXLAN(name: String, vni: Int, local: IPv4Address?, port: Int, mtu: Int?)
        case replaceNeighbour(IPAddress, mac: MACAddress, link: String)
        case deleteNeighbour(IPAddress, link: String)
        case replaceForwarding(mac: MACAddress, destination: IPAddress, link: String)
        case deleteForwarding(mac: MACAddress, destination: IPAddress, link: String)
    }

    /// A namespace of the simulated machine.
    public enum Namespace: Hashable, Sendable {
        /// The namespace the first double manages (the daemon's own).
        case initial
        /// The namespace named by this fd in `peerNamespaceFD`, `setNamespace(fd:)` and
        /// `view(namespaceFD:)`.
        case fd(Int32)
    }

    /// Shares the model between the views of one machine.
    private final class Machine: Sendable {
        let model: Mutex<Model>

        init(_ model: sending Model) { self.model = Mutex(model) }
    }

    private let machine: Machine
    /// The namespace this double manages.
    public let namespace: Namespace

    /// The loopback device every new namespace has.
    public static let loopback = LinkInfo(
        index: 1, name: "lo", mtu: 65536, flags: [.IFF_LOOPBACK], mac: MACAddress(bytes: [0, 0, 0, 0, 0, 0]))

    /// Starts a machine whose initial namespace holds `links` (by default just `lo`, down).
    public init(links: [LinkInfo] = [RecordingRouteNetlink.loopback]) {
        machine = Machine(Model(initialLinks: links))
        namespace = .initial
    }

    private init(machine: Machine, namespace: Namespace) {
        self.machine = machine
        self.namespace = namespace
    }

    /// A double for `namespace` of the same machine; a namespace not seen before starts with
    /// just `lo`, down.
    public func view(_ namespace: Namespace) -> RecordingRouteNetlink {
        RecordingRouteNetlink(machine: machine, namespace: namespace)
    }

    /// A double for the namespace named by `fd`, like `LinuxRouteNetlink(namespaceFD:)`.
    public func view(namespaceFD fd: Int32) -> RecordingRouteNetlink {
        view(.fd(fd))
    }

    /// Destroys a namespace, as removing its last reference does in the kernel: its links go,
    /// and so do the veth peers of its veth ends in other namespaces. Destroying `.initial`
    /// leaves it empty but for `lo`.
    public func destroyNamespace(_ namespace: Namespace) {
        machine.model.withLock { $0.removeNamespace(namespace) }
    }

    /// Every namespace the model has touched, in no particular order.
    public var namespaces: [Namespace] {
        machine.model.withLock { Array($0.spaces.keys) }
    }

    /// Every call made through this view so far, in order.
    public var calls: [Call] { machine.model.withLock { $0[namespace].calls } }

    /// Forgets the calls recorded by this view (the model is kept).
    public func clearCalls() { machine.model.withLock { $0[namespace].calls.removeAll() } }

    /// Makes the next call through this view matching `predicate` throw `error` instead of
    /// acting. The call is still recorded; the injection is used up by that one call.
    public func failNext(where predicate: @escaping @Sendable (Call) -> Bool, with error: any Error) {
        machine.model.withLock {
            $0[namespace].failures.append(Model.InjectedFailure(matches: predicate, error: error))
        }
    }

    /// Every address in this namespace, for assertions across links.
    public var allAddresses: [AddressInfo] {
        machine.model.withLock { model in
            let addresses = model[namespace].addresses
            return addresses.keys.sorted().flatMap { index in
                (addresses[index] ?? []).map { AddressInfo(index: index, cidr: $0) }
            }
        }
    }

    // MARK: - RouteNetlink: links

    public func createBridge(name: String, mtu: Int?, alias: String?) async throws {
        try perform(.createBridge(name: name, mtu: mtu, alias: alias)) { model, here in
            try LinkValidation.validateName(name)
            if let alias { try LinkValidation.validateAlias(alias) }
            let mtu = try mtu.map { Int(try LinkValidation.validatedMTU($0)) } ?? 1500
            try model.requireAbsent(name, in: here)
            model.addLink(name: name, kind: "bridge", mtu: mtu, alias: alias, in: here)
        }
    }

    public func deleteLink(name: String) async throws {
        try perform(.deleteLink(name: name)) { model, here in
            let link = try model.require(name, in: here, operation: "RTM_DELLINK")
            model.deleteLink(Model.LinkRef(namespace: here, index: link.index))
        }
    }

    public func setLinkUp(name: String) async throws {
        try perform(.setLinkUp(name: name)) { model, here in
            try model.update(name, in: here) { $0.flags.insert(.IFF_UP) }
        }
    }

    public func setLinkDown(name: String) async throws {
        try perform(.setLinkDown(name: name)) { model, here in
            let link = try model.require(name, in: here, operation: "RTM_SETLINK")
            try model.update(name, in: here) { $0.flags.subtract([.IFF_UP, .IFF_RUNNING, .IFF_LOWER_UP]) }
            if link.isUp { model.linkWentDown(Model.LinkRef(namespace: here, index: link.index)) }
        }
    }

    public func setMTU(name: String, mtu: Int) async throws {
        try perform(.setMTU(name: name, mtu: mtu)) { model, here in
            let value = Int(try LinkValidation.validatedMTU(mtu))
            try model.update(name, in: here) { $0.mtu = value }
        }
    }

    public func setAlias(name: String, alias: String) async throws {
        try perform(.setAlias(name: name, alias: alias)) { model, here in
            try LinkValidation.validateAlias(alias)
            try model.update(name, in: here) { $0.alias = alias.isEmpty ? nil : alias }
        }
    }

    public func setMAC(name: String, mac: MACAddress) async throws {
        try perform(.setMAC(name: name, mac: mac)) { model, here in
            try LinkValidation.validateMAC(mac)
            try model.update(name, in: here) { $0.mac = mac }
        }
    }

    /// Renames a link. Stricter than recent kernels on purpose: an up link fails with `EBUSY`,
    /// as it does on the kernels libnetwork supports, so code tested here renames links while
    /// they are down.
    public func rename(name: String, to newName: String) async throws {
        try perform(.rename(name: name, to: newName)) { model, here in
            try LinkValidation.validateName(newName)
            let link = try model.require(name, in: here, operation: "RTM_GETLINK")
            guard newName != name else { return }
            guard !link.isUp else { throw NetlinkError.kernel(operation: "RTM_SETLINK", errno: EBUSY) }
            if model[here].links.contains(where: { $0.name == newName }) {
                throw NetlinkError.kernel(operation: "RTM_SETLINK", errno: EEXIST)
            }
            try model.update(name, in: here) { $0.name = newName }
        }
    }

    public func addAddress(_ address: CIDR, link name: String) async throws {
        try perform(.addAddress(address, link: name)) { model, here in
            let link = try model.require(name, in: here, operation: "RTM_GETLINK")
            var list = model[here].addresses[link.index] ?? []
            if !list.contains(address) { list.append(address) }
            model[here].addresses[link.index] = list
        }
    }

    public func links() async throws -> [LinkInfo] {
        try perform(.links) { model, here in model[here].links.sorted { $0.index < $1.index } }
    }

    public func link(named name: String) async throws -> LinkInfo? {
        try perform(.link(named: name)) { model, here in
            try LinkValidation.validateName(name)
            return model[here].links.first { $0.name == name }
        }
    }

    public func addresses(link name: String) async throws -> [CIDR] {
        try perform(.addresses(link: name)) { model, here in
            let link = try model.require(name, in: here, operation: "RTM_GETLINK")
            // The kernel dumps IPv4 before IPv6.
            let list = model[here].addresses[link.index] ?? []
            return list.filter { $0.family == .v4 } + list.filter { $0.family == .v6 }
        }
    }

    public func createVeth(name: String, peerName: String, peerNamespaceFD: Int32?, mtu: Int?) async throws {
        let call = Call.createVeth(name: name, peerName: peerName, peerNamespaceFD: peerNamespaceFD, mtu: mtu)
        try perform(call) { model, here in
            try LinkValidation.validateName(name)
            try LinkValidation.validateName(peerName)
            let mtu = try mtu.map { Int(try LinkValidation.validatedMTU($0)) } ?? 1500
            if let peerNamespaceFD { _ = try LinkValidation.validatedNamespaceFD(peerNamespaceFD) }
            let there = peerNamespaceFD.map(Namespace.fd) ?? here
            // Both names must be free where each end is born; in one namespace they must differ.
            guard there != here || name != peerName else {
                throw NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST)
            }
            try model.requireAbsent(name, in: here)
            try model.requireAbsent(peerName, in: there)
            let peer = model.addLink(name: peerName, kind: "veth", mtu: mtu, alias: nil, in: there)
            let end = model.addLink(name: name, kind: "veth", mtu: mtu, alias: nil, in: here)
            let endRef = Model.LinkRef(namespace: here, index: end)
            let peerRef = Model.LinkRef(namespace: there, index: peer)
            model.vethPeers[endRef] = peerRef
            model.vethPeers[peerRef] = endRef
        }
    }

    /// The kernel's rules as far as the drivers meet them: the parent must exist here, the name
    /// must be free where the child is born, and a VLAN id must be 1-4094.
    public func createChild(name: String, parent: String, kind: ChildLinkKind, namespaceFD: Int32?, mac: MACAddress?) async throws {
        let call = Call.createChild(name: name, parent: parent, kind: kind, namespaceFD: namespaceFD, mac: mac)
        try perform(call) { model, here in
            try LinkValidation.validateName(name)
            let parentLink = try model.require(parent, in: here, operation: "RTM_NEWLINK")
            if case .vlan(let id) = kind, !(1...4094).contains(id) {
                throw NetlinkError.invalidArgument("vlan id must be between 1-4094, received: \(id)")
            }
            if let namespaceFD { _ = try LinkValidation.validatedNamespaceFD(namespaceFD) }
            let there = namespaceFD.map(Namespace.fd) ?? here
            try model.requireAbsent(name, in: there)
            _ = model.addLink(name: name, kind: kind.kind, mtu: parentLink.mtu, alias: nil, in: there)
            if case .ipvlan = kind {
                // ipvlan children share their parent's MAC. Stricter than the kernel may be on
                // purpose: a caller that asks for a MAC of its own is a bug.
                if mac != nil { throw NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EINVAL) }
                try model.update(name, in: there) { $0.mac = parentLink.mac }
            } else if let mac {
                try LinkValidation.validateMAC(mac)
                try model.update(name, in: there) { $0.mac = mac }
            }
        }
    }

    public func setMaster(name: String, master: String) async throws {
        try perform(.setMaster(name: name, master: master)) { model, here in
            let masterLink = try model.require(master, in: here, operation: "RTM_GETLINK")
            try model.update(name, in: here) { $0.masterIndex = masterLink.index }
        }
    }

    public func setHairpin(name: String, on: Bool) async throws {
        try perform(.setHairpin(name: name, on: on)) { model, here in
            let port = try model.require(name, in: here, operation: "RTM_GETLINK")
            guard port.masterIndex != nil else {
                throw NetlinkError.kernel(operation: "RTM_SETLINK", errno: EOPNOTSUPP)
            }
        }
    }

    public func setNamespace(name: String, fd: Int32) async throws {
        try perform(.setNamespace(name: name, fd: fd)) { model, here in
            _ = try LinkValidation.validatedNamespaceFD(fd)
            let link = try model.require(name, in: here, operation: "RTM_SETLINK")
            try model.moveLink(Model.LinkRef(namespace: here, index: link.index), to: .fd(fd))
        }
    }

    // MARK: - Recording

    /// Records `call` in this view, throws an injected failure if one matches, else applies
    /// `body` to the model and this view's namespace.
    func perform<Result>(
        _ call: Call, _ body: (inout Model, Namespace) throws -> Result
    ) throws -> Result {
        let here = namespace
        return try machine.model.withLock { model in
            model[here].calls.append(call)
            if let i = model[here].failures.firstIndex(where: { $0.matches(call) }) {
                throw model[here].failures.remove(at: i).error
            }
            return try body(&model, here)
        }
    }
}
