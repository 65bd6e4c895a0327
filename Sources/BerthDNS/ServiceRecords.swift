import BerthCore
import Synchronization

/// The name table of the embedded DNS: endpoints indexed per network by name and by address.
///
/// A `Mutex`-protected struct rather than an actor: the query path is synchronous, takes one short lock and
/// needs no actor hop, and updates (container start/stop/connect) only touch the changed endpoint's entries.
public final class ServiceRecords: Sendable {
    struct Key: Hashable {
        var containerID: String
        var networkID: String
    }

    struct State {
        var endpoints: [Key: DNSEndpointRecord] = [:]
        /// networkID → lower-cased name → endpoints answering to it, in insertion order.
        var names: [String: [String: [Key]]] = [:]
        /// address → endpoints holding it (the same address may exist on unrelated networks).
        var addresses: [IPAddress: [Key]] = [:]
        /// lower-cased network name → network ids (names are unique in practice, ids are what scopes hold).
        var networkNames: [String: Set<String>] = [:]
        /// networkID → number of endpoints on it, so removing the last one drops the network name.
        var members: [String: Int] = [:]
        /// Round-robin cursor per (network, name) for names shared by several endpoints.
        var rotation: [String: Int] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    /// Adds or replaces the record for (containerID, networkID).
    public func add(_ record: DNSEndpointRecord) {
        state.withLock { state in
            let key = Key(containerID: record.containerID, networkID: record.networkID)
            if state.endpoints[key] != nil { state.remove(key) }
            state.endpoints[key] = record
            for name in record.lookupNames { state.names[record.networkID, default: [:]][name, default: []].append(key) }
            if let v4 = record.ipv4 { state.addresses[.v4(v4), default: []].append(key) }
            if let v6 = record.ipv6 { state.addresses[.v6(v6), default: []].append(key) }
            state.networkNames[record.networkName.lowercased(), default: []].insert(record.networkID)
            state.members[record.networkID, default: 0] += 1
        }
    }

    /// Removes the record for one container on one network; a no-op when absent.
    public func remove(containerID: String, networkID: String) {
        state.withLock { $0.remove(Key(containerID: containerID, networkID: networkID)) }
    }

    /// Removes every record of a container (all its networks).
    public func remove(containerID: String) {
        state.withLock { state in
            for key in state.endpoints.keys where key.containerID == containerID { state.remove(key) }
        }
    }

    /// The number of (container, network) records.
    public var count: Int { state.withLock { $0.endpoints.count } }

    /// Endpoints answering to `name` on the first network of `scope` that knows it, rotated round-robin.
    func lookup(name: String, networkIDs scope: [String]) -> [DNSEndpointRecord] {
        state.withLock { state in
            for networkID in scope {
                guard let keys = state.names[networkID]?[name], !keys.isEmpty else { continue }
                return state.rotated(keys, cursor: networkID + "\u{0}" + name)
            }
            return []
        }
    }

    /// Endpoints answering to `name` on the network called `networkName`, if that network is in `scope`.
    /// Returns nil when no network of that name is visible (the caller then tries other readings of the name).
    func lookup(name: String, networkName: String, networkIDs scope: [String]) -> [DNSEndpointRecord]? {
        state.withLock { state in
            guard let ids = state.networkNames[networkName],
                  let networkID = scope.first(where: { ids.contains($0) }) else { return nil }
            guard let keys = state.names[networkID]?[name], !keys.isEmpty else { return [] }
            return state.rotated(keys, cursor: networkID + "\u{0}" + name)
        }
    }

    /// Endpoints holding `address` on a network in `scope`.
    func lookup(address: IPAddress, networkIDs scope: [String]) -> [DNSEndpointRecord] {
        state.withLock { state in
            guard let keys = state.addresses[address] else { return [] }
            return keys.filter { scope.contains($0.networkID) }.compactMap { state.endpoints[$0] }
        }
    }

    /// True if `name` (lower-cased) is the name of a network in `scope`.
    func isNetworkName(_ name: String, networkIDs scope: [String]) -> Bool {
        state.withLock { state in
            guard let ids = state.networkNames[name] else { return false }
            return scope.contains { ids.contains($0) }
        }
    }
}

extension ServiceRecords.State {
    mutating func remove(_ key: ServiceRecords.Key) {
        guard let record = endpoints.removeValue(forKey: key) else { return }
        for name in record.lookupNames {
            names[key.networkID]?[name]?.removeAll { $0 == key }
            if names[key.networkID]?[name]?.isEmpty == true {
                names[key.networkID]?[name] = nil
                rotation[key.networkID + "\u{0}" + name] = nil
            }
        }
        if names[key.networkID]?.isEmpty == true { names[key.networkID] = nil }
        for address in [record.ipv4.map(IPAddress.v4), record.ipv6.map(IPAddress.v6)].compactMap({ $0 }) {
            addresses[address]?.removeAll { $0 == key }
            if addresses[address]?.isEmpty == true { addresses[address] = nil }
        }
        members[key.networkID, default: 1] -= 1
        if members[key.networkID, default: 0] <= 0 {
            members[key.networkID] = nil
            let lowered = record.networkName.lowercased()
            networkNames[lowered]?.remove(key.networkID)
            if networkNames[lowered]?.isEmpty == true { networkNames[lowered] = nil }
        }
    }

    /// The cursor's key is only built for shared names (the common single-owner lookup allocates nothing).
    mutating func rotated(_ keys: [ServiceRecords.Key], cursor makeCursor: @autoclosure () -> String) -> [DNSEndpointRecord] {
        if keys.count == 1 { return endpoints[keys[0]].map { [$0] } ?? [] }
        let records = keys.compactMap { endpoints[$0] }
        guard records.count > 1 else { return records }
        let cursor = makeCursor()
        let start = rotation[cursor, default: 0] % records.count
        rotation[cursor] = start + 1
        return Array(records[start...] + records[..<start])
    }
}
