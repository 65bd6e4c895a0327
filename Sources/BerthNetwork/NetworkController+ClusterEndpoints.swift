import BerthCluster
import BerthCore
import BerthDNS
import BerthIPAM
import BerthStore

/// An address this host chose on a global network was taken by another host first.
struct ClusterAddressTaken: Error {
    var addresses: [IPAddress]
}

/// Endpoints of global networks across hosts.
///
/// An address is this host's only once `ipam/<network>/<ip>` was created for it in the cluster
/// store (compare-and-create, on the host's reservation lease), so two hosts never hand out the
/// same one, even when they race; the local IPAM also holds every address the store says other
/// hosts have, so a clash is only ever a race. A joined endpoint is published as
/// `endpoints/<network>/<endpoint>` on the host's lease, so when the host dies the others drop it
/// within the lease's TTL while its addresses stay reserved for its return.
extension NetworkController {
    var hostID: String { clusterHost?.host.id ?? "" }

    private func ownerValue(_ e: EndpointRecord) -> [UInt8] { Array("\(hostID) \(e.id)".utf8) }

    private static func addresses(_ e: EndpointRecord) -> [IPAddress] {
        [e.ipv4Address, e.ipv6Address].compactMap { CIDR($0)?.address }
    }

    private func membership(for what: String) throws(BerthError) -> (any ClusterStore, ClusterMembership) {
        guard let cluster, let clusterHost else {
            throw BerthError(.unavailable, "cannot \(what): berthd runs without --cluster-store")
        }
        return (cluster, clusterHost)
    }

    /// Takes the endpoint's addresses in the cluster; throws `ClusterAddressTaken` naming those
    /// another host has.
    func claimInCluster(_ e: EndpointRecord, network: Network) async throws {
        let what = "connect \(e.containerName) to overlay network \(network.name)"
        let (cluster, host) = try membership(for: what)
        let addresses = Self.addresses(e)
        guard !addresses.isEmpty else { return }
        let keys = addresses.map { OverlayKeys.address(network.id, $0) }
        let result: ClusterTxnResult
        do {
            let lease = try await host.currentReservationLease()
            result = try await cluster.txn(ClusterTxn(
                compare: keys.map { .absent($0) }, success: keys.map { .put($0, ownerValue(e), lease: lease) }, failure: keys.map { .get($0) }))
        } catch {
            throw BerthError(.unavailable, "cannot \(what): the cluster store is unavailable (\(error)); local networks are unaffected, try again when it is back", cause: error)
        }
        if result.succeeded { return }
        let taken = zip(addresses, result.ranges).filter { !$0.1.isEmpty }.map(\.0)
        throw ClusterAddressTaken(addresses: taken)
    }

    /// Publishes a joined endpoint for the other hosts.
    func publishInCluster(_ e: EndpointRecord, network: Network) async throws {
        let what = "connect \(e.containerName) to overlay network \(network.name)"
        let (cluster, host) = try membership(for: what)
        do {
            try await cluster.put(OverlayKeys.endpoint(network.id, e.id), peer(e).jsonBytes, lease: try await host.currentLease())
        } catch {
            throw BerthError(.unavailable, "cannot \(what): the cluster store is unavailable (\(error)); local networks are unaffected, try again when it is back", cause: error)
        }
    }

    private func peer(_ e: EndpointRecord) -> OverlayPeer {
        OverlayPeer(endpoint: e, host: hostID, hostName: clusterHost?.host.name ?? "", hostAddress: clusterHost?.host.address ?? "")
    }

    /// Takes an endpoint and its addresses out of the cluster, best effort: what an unreachable
    /// store keeps is swept when this host syncs with it again (`republish`).
    func withdrawFromCluster(_ e: EndpointRecord, network: Network) async {
        guard let cluster else { return }
        let value = ownerValue(e)
        do {
            _ = try await cluster.txn(ClusterTxn(success: [.delete(OverlayKeys.endpoint(network.id, e.id))]))
            for ip in Self.addresses(e) {
                let key = OverlayKeys.address(network.id, ip)
                _ = try await cluster.txn(ClusterTxn(compare: [.value(key, value)], success: [.delete(key)]))
            }
        } catch {
            logger.warning("cannot withdraw \(e.containerName) from overlay network \(network.name) in the cluster store: \(error); it is swept when the store is back")
        }
    }

    /// Reserves addresses in the local IPAM that other hosts hold.
    func hold(_ addresses: [IPAddress], network id: String) {
        for ip in addresses where !(clusterHeld[id]?.contains(ip) ?? false) {
            if (try? ipam.allocate(networkID: id, family: ip.family, preferred: ip)) != nil { clusterHeld[id, default: []].insert(ip) }
        }
    }

    /// Drops a held address from the local IPAM as if the watch had not delivered it yet.
    func forgetHeldForTest(_ id: String, _ ip: IPAddress) { unhold(ip, network: id) }

    private func unhold(_ ip: IPAddress, network id: String) {
        guard clusterHeld[id]?.remove(ip) != nil else { return }
        ipam.releaseAddress(networkID: id, ip)
    }

    // MARK: following endpoints and addresses

    /// Takes the cluster's endpoints and addresses as a snapshot has them (after a first read or
    /// a lost watch); networks must be mirrored first.
    func applyEndpointSnapshot(_ kvs: [ClusterKV]) async {
        let before = Set(remotePeers.keys)
        remotePeers = [:]
        for (id, held) in clusterHeld { for ip in held { ipam.releaseAddress(networkID: id, ip) } }
        clusterHeld = [:]
        for kv in kvs { applyEndpointKey(kv, deleted: false) }
        for id in before.union(remotePeers.keys) { await pushPeers(id) }
    }

    /// One change of an `endpoints/` or `ipam/` key; returns the network whose peers changed.
    @discardableResult
    func applyEndpointKey(_ kv: ClusterKV, deleted: Bool) -> String? {
        if let (nid, eid) = OverlayKeys.endpointIDs(kv.key) {
            if deleted {
                return remotePeers[nid]?.removeValue(forKey: eid) == nil ? nil : nid
            }
            guard let p = OverlayPeer(jsonBytes: kv.value), p.hostID != hostID, p.endpointID == eid, networks[nid] != nil else { return nil }
            remotePeers[nid, default: [:]][eid] = p
            return nid
        }
        if let (nid, ip) = OverlayKeys.addressKey(kv.key) {
            if deleted {
                unhold(ip, network: nid)
            } else if networks[nid] != nil, !String(decoding: kv.value, as: UTF8.self).hasPrefix(hostID + " ") {
                hold([ip], network: nid)
            }
        }
        return nil
    }

    /// Hands a network's remote endpoints to its driver and to the embedded DNS.
    func pushPeers(_ id: String) async {
        let peers = (remotePeers[id] ?? [:]).values.sorted { $0.endpointID < $1.endpointID }
        if let records = clusterRecords {
            for cid in dnsPublished[id] ?? [] { records.remove(containerID: cid, networkID: id) }
            dnsPublished[id] = nil
            if let n = networks[id], n.hasEmbeddedDNS {
                for p in peers {
                    records.add(DNSEndpointRecord(
                        containerID: p.containerID, networkID: id, networkName: n.name, names: [p.containerName], aliases: p.aliases,
                        ipv4: CIDR(p.ipv4Address).flatMap { if case .v4(let a) = $0.address { a } else { nil } },
                        ipv6: CIDR(p.ipv6Address).flatMap { if case .v6(let a) = $0.address { a } else { nil } }))
                    dnsPublished[id, default: []].insert(p.containerID)
                }
            }
        }
        if let n = networks[id] { await drivers[n.driver]?.setPeers(peers, network: n) }
    }

    /// The endpoints other hosts have on a network (inspect).
    public func remoteEndpoints(network id: String) -> [OverlayPeer] {
        (remotePeers[id] ?? [:]).values.sorted { $0.containerName < $1.containerName }
    }

    /// The hosts with endpoints on a global network (this one first when it has any), by name:
    /// `Peers` of `network inspect`.
    public func clusterPeers(network id: String) -> [(name: String, address: String)] {
        var hosts: [String: (name: String, address: String)] = [:]
        for p in (remotePeers[id] ?? [:]).values { hosts[p.hostID] = (p.hostName, p.hostAddress) }
        let remote = hosts.values.sorted { ($0.name, $0.address) < ($1.name, $1.address) }
        guard let host = clusterHost?.host, endpoints.values.contains(where: { $0.networkID == id }) else { return remote }
        return [(host.name, host.address)] + remote
    }

    /// After a (re)join or a resync: puts this host's endpoints and address claims back on its
    /// current leases (a berthd restarted within the reservation keeps its addresses), and
    /// deletes what the store still has of this host that no longer exists here.
    func republish() async throws {
        guard let cluster, let host = clusterHost else { return }
        let lease = try await host.currentLease(), reserved = try await host.currentReservationLease()
        let mine = endpoints.values.filter { networks[$0.networkID]?.record.scope == "global" }
        let ids = Set(mine.map(\.id))
        for e in mine {
            for ip in Self.addresses(e) {
                let key = OverlayKeys.address(e.networkID, ip)
                let r = try await cluster.txn(ClusterTxn(compare: [.value(key, ownerValue(e))], success: [.put(key, ownerValue(e), lease: reserved)],
                                                         failure: [.get(key)]))
                if !r.succeeded, try await cluster.create(key, ownerValue(e), lease: reserved) != nil {
                    logger.error("address \(ip) of \(e.containerName) on overlay network \(networks[e.networkID]?.name ?? e.networkID) was given to a container on another host while this one was away; reconnect \(e.containerName) to get a free one")
                }
            }
            try await cluster.put(OverlayKeys.endpoint(e.networkID, e.id), peer(e).jsonBytes, lease: lease)
        }
        for kv in try await cluster.range(OverlayKeys.endpoints, prefix: true).kvs {
            guard let (_, eid) = OverlayKeys.endpointIDs(kv.key), let p = OverlayPeer(jsonBytes: kv.value), p.hostID == hostID, !ids.contains(eid) else { continue }
            _ = try await cluster.delete(kv.key, ifModRevision: kv.modRevision)
        }
        for kv in try await cluster.range(OverlayKeys.addresses, prefix: true).kvs {
            let owner = String(decoding: kv.value, as: UTF8.self).split(separator: " ")
            guard owner.count == 2, owner[0] == hostID, !ids.contains(String(owner[1])) else { continue }
            _ = try await cluster.delete(kv.key, ifModRevision: kv.modRevision)
        }
    }

    /// The membership lost its lease and has a new one: this host's keys are back on it.
    public func clusterRejoined() async {
        do { try await republish() } catch { logger.warning("overlay: re-publishing this host's endpoints: \(error); retried at the next resync") }
    }
}
