import BerthCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// An in-memory `RouteNetlink` for unit tests: it keeps a model of links and addresses that
/// behaves like the kernel where callers depend on it (duplicate names fail with `EEXIST`,
/// missing links with `ENODEV`, deleting a veth end deletes its peer, deleting a bridge
/// releases its ports) and records every call, in order, failed ones included.
public final class RecordingRouteNetlink: RouteNetlink {
    /// One call, with its arguments.
    public enum Call: Hashable, Sendable {
        case createBridge(name: String, mtu: Int?, alias: String?)
        case deleteLink(name: String)
        case setLinkUp(name: String)
        case setMTU(name: String, mtu: Int)
        case setAlias(name: String, alias: String)
        case addAddress(CIDR, link: String)
        case links
        case link(named: String)
        case addresses(link: String)
        case createVeth(name: String, peerName: String, mtu: Int?)
        case setMaster(name: String, master: String)
        case setNamespace(name: String, fd: Int32)
    }

    private struct InjectedFailure {
        var matches: @Sendable (Call) -> Bool
        var error: any Error
    }

    private struct State {
        var links: [LinkInfo]
        var addresses: [Int32: [CIDR]] = [:]
        var vethPeers: [Int32: Int32] = [:]
        var calls: [Call] = []
        var failures: [InjectedFailure] = []
        var nextIndex: Int32
    }

    private let state: Mutex<State>

    /// The loopback device every new namespace has.
    public static let loopback = LinkInfo(
        index: 1, name: "lo", mtu: 65536, flags: [.IFF_LOOPBACK], mac: MACAddress(bytes: [0, 0, 0, 0, 0, 0]))

    /// Starts from `links` (by default a fresh namespace: just `lo`, down).
    public init(links: [LinkInfo] = [RecordingRouteNetlink.loopback]) {
        let next = (links.map(\.index).max() ?? 0) + 1
        state = Mutex(State(links: links, nextIndex: next))
    }

    /// Every call so far, in order.
    public var calls: [Call] { state.withLock { $0.calls } }

    /// Forgets the recorded calls (the model is kept).
    public func clearCalls() { state.withLock { $0.calls.removeAll() } }

    /// Makes the next call matching `predicate` throw `error` instead of acting. The call is
    /// still recorded; the injection is used up by that one call.
    public func failNext(where predicate: @escaping @Sendable (Call) -> Bool, with error: any Error) {
        state.withLock { $0.failures.append(InjectedFailure(matches: predicate, error: error)) }
    }

    /// Every address in the model, for assertions across links.
    public var allAddresses: [AddressInfo] {
        state.withLock { state in
            state.addresses.keys.sorted().flatMap { index in
                (state.addresses[index] ?? []).map { AddressInfo(index: index, cidr: $0) }
            }
        }
    }

    // MARK: - RouteNetlink

    public func createBridge(name: String, mtu: Int?, alias: String?) async throws {
        try perform(.createBridge(name: name, mtu: mtu, alias: alias)) { state in
            try LinkValidation.validateName(name)
            if let alias { try LinkValidation.validateAlias(alias) }
            let mtu = try mtu.map { Int(try LinkValidation.validatedMTU($0)) } ?? 1500
            try Self.requireAbsent(name, in: state)
            Self.add(name: name, kind: "bridge", mtu: mtu, alias: alias, to: &state)
        }
    }

    public func deleteLink(name: String) async throws {
        try perform(.deleteLink(name: name)) { state in
            let link = try Self.require(name, in: state, operation: "RTM_DELLINK")
            let peer = state.vethPeers[link.index]
            Self.remove(index: link.index, from: &state)
            if let peer { Self.remove(index: peer, from: &state) }
        }
    }

    public func setLinkUp(name: String) async throws {
        try perform(.setLinkUp(name: name)) { state in
            try Self.update(name, in: &state) { $0.flags.insert(.IFF_UP) }
        }
    }

    public func setMTU(name: String, mtu: Int) async throws {
        try perform(.setMTU(name: name, mtu: mtu)) { state in
            let value = Int(try LinkValidation.validatedMTU(mtu))
            try Self.update(name, in: &state) { $0.mtu = value }
        }
    }

    public func setAlias(name: String, alias: String) async throws {
        try perform(.setAlias(name: name, alias: alias)) { state in
            try LinkValidation.validateAlias(alias)
            try Self.update(name, in: &state) { $0.alias = alias.isEmpty ? nil : alias }
        }
    }

    public func addAddress(_ address: CIDR, link name: String) async throws {
        try perform(.addAddress(address, link: name)) { state in
            let link = try Self.require(name, in: state, operation: "RTM_GETLINK")
            var list = state.addresses[link.index] ?? []
            if !list.contains(address) { list.append(address) }
            state.addresses[link.index] = list
        }
    }

    public func links() async throws -> [LinkInfo] {
        try perform(.links) { state in state.links.sorted { $0.index < $1.index } }
    }

    public func link(named name: String) async throws -> LinkInfo? {
        try perform(.link(named: name)) { state in
            try LinkValidation.validateName(name)
            return state.links.first { $0.name == name }
        }
    }

    public func addresses(link name: String) async throws -> [CIDR] {
        try perform(.addresses(link: name)) { state in
            let link = try Self.require(name, in: state, operation: "RTM_GETLINK")
            // The kernel dumps IPv4 before IPv6.
            let list = state.addresses[link.index] ?? []
            return list.filter { $0.family == .v4 } + list.filter { $0.family == .v6 }
        }
    }

    public func createVeth(name: String, peerName: String, mtu: Int?) async throws {
        try perform(.createVeth(name: name, peerName: peerName, mtu: mtu)) { state in
            try LinkValidation.validateName(name)
            try LinkValidation.validateName(peerName)
            let mtu = try mtu.map { Int(try LinkValidation.validatedMTU($0)) } ?? 1500
            guard name != peerName else {
                throw NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST)
            }
            try Self.requireAbsent(name, in: state)
            try Self.requireAbsent(peerName, in: state)
            let peer = Self.add(name: peerName, kind: "veth", mtu: mtu, alias: nil, to: &state)
            let end = Self.add(name: name, kind: "veth", mtu: mtu, alias: nil, to: &state)
            state.vethPeers[end] = peer
            state.vethPeers[peer] = end
        }
    }

    public func setMaster(name: String, master: String) async throws {
        try perform(.setMaster(name: name, master: master)) { state in
            let masterLink = try Self.require(master, in: state, operation: "RTM_GETLINK")
            try Self.update(name, in: &state) { $0.masterIndex = masterLink.index }
        }
    }

    public func setNamespace(name: String, fd: Int32) async throws {
        try perform(.setNamespace(name: name, fd: fd)) { state in
            guard fd >= 0 else { throw NetlinkError.invalidArgument("invalid namespace file descriptor \(fd)") }
            let link = try Self.require(name, in: state, operation: "RTM_SETLINK")
            // The link leaves this namespace; its peer stays, no longer paired with anything here.
            Self.remove(index: link.index, from: &state)
        }
    }

    // MARK: - Model

    /// Records `call`, throws an injected failure if one matches, else applies `body`.
    private func perform<Result>(
        _ call: Call, _ body: (inout State) throws -> Result
    ) throws -> Result {
        try state.withLock { state in
            state.calls.append(call)
            if let i = state.failures.firstIndex(where: { $0.matches(call) }) {
                throw state.failures.remove(at: i).error
            }
            return try body(&state)
        }
    }

    private static func require(_ name: String, in state: State, operation: String) throws -> LinkInfo {
        try LinkValidation.validateName(name)
        guard let link = state.links.first(where: { $0.name == name }) else {
            throw NetlinkError.kernel(operation: operation, errno: ENODEV)
        }
        return link
    }

    private static func requireAbsent(_ name: String, in state: State) throws {
        if state.links.contains(where: { $0.name == name }) {
            throw NetlinkError.kernel(operation: "RTM_NEWLINK", errno: EEXIST)
        }
    }

    private static func update(_ name: String, in state: inout State, _ change: (inout LinkInfo) -> Void) throws {
        try LinkValidation.validateName(name)
        guard let i = state.links.firstIndex(where: { $0.name == name }) else {
            throw NetlinkError.kernel(operation: "RTM_SETLINK", errno: ENODEV)
        }
        change(&state.links[i])
    }

    @discardableResult
    private static func add(name: String, kind: String, mtu: Int, alias: String?, to state: inout State) -> Int32 {
        let index = state.nextIndex
        state.nextIndex += 1
        state.links.append(
            LinkInfo(
                index: index, name: name, kind: kind, alias: alias, mtu: mtu,
                flags: [.IFF_BROADCAST, .IFF_MULTICAST], mac: .random()))
        return index
    }

    private static func remove(index: Int32, from state: inout State) {
        state.links.removeAll { $0.index == index }
        state.addresses[index] = nil
        for i in state.links.indices where state.links[i].masterIndex == index {
            state.links[i].masterIndex = nil
        }
        if let peer = state.vethPeers.removeValue(forKey: index) {
            state.vethPeers[peer] = nil
        }
    }
}
