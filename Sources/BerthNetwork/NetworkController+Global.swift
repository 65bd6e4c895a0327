import BerthCluster
import BerthCore
import BerthDNS
import BerthIPAM
import BerthStore

/// Global (`overlay`) networks: they live in the cluster store and every host mirrors them.
///
/// A create is one transaction that takes the network's id, name, VXLAN id and subnets only if
/// none is taken anywhere in the cluster, so two hosts can never make two networks of one name
/// or share a subnet, even when they race. Each host follows `networks/` with a watch and keeps
/// a copy of every global network in its own store, so a restart while etcd is down still knows
/// them; the copy is reconciled with the cluster whenever the watch starts again.
extension NetworkController {
    /// dockerd's global default pool: 10.0.0.0/8 in /24s.
    static let globalPool = try! AddressPool(base: CIDR("10.0.0.0/8")!, size: 24)
    static let notInCluster = "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again. (Berth needs no swarm for overlay networks: start berthd with --cluster-store and --cluster-advertise.)"

    /// Joins this controller to the cluster's global networks: mirrors them now and follows
    /// every change until the daemon stops. Returns at once.
    /// `membership` is this host's (endpoints need it: their keys go on its leases); remote
    /// endpoints' names go into `records`.
    public func attachCluster(_ store: any ClusterStore, membership: ClusterMembership? = nil, records: ServiceRecords? = nil) {
        cluster = store
        clusterHost = membership
        clusterRecords = records
        clusterSync?.cancel()
        clusterSync = Task { await self.followCluster(store) }
    }

    /// Waits until the global networks were read from the cluster once (tests, the demo).
    public func waitForClusterSync() async {
        while clusterRevision == 0, cluster != nil { try? await Task.sleep(for: .milliseconds(20)) }
    }

    func createGlobal(_ spec: NetworkCreateSpec, driver: any NetworkDriver, requests: [SubnetRequest]) async throws -> Network {
        guard let cluster else { throw BerthError.forbidden(Self.notInCluster) }
        pendingNames.insert(spec.name)
        defer { pendingNames.remove(spec.name) }
        let pinnedVNI = spec.options[OverlayDriver.vxlanIDOption].flatMap { Int($0) }
        var takenSubnets: [CIDR] = []
        var takenVNIs: Set<Int> = []
        for _ in 0..<8 {
            var pool = IPAM(pools4: [Self.globalPool], pools6: ipam.pools6)
            for n in networks.values { pool.restore(networkID: n.id, configs: n.subnets) }
            for (i, c) in takenSubnets.enumerated() { pool.restore(networkID: "taken-\(i)", configs: [SubnetConfig(subnet: c, gateway: c.first)]) }
            let id = Identifier.random()
            let subnets: [SubnetConfig]
            do { subnets = try pool.assign(networkID: id, requests: requests, enableIPv4: spec.enableIPv4, enableIPv6: spec.enableIPv6) } catch { throw error.berthError }
            let used = Set(networks.values.compactMap { OverlayDriver.vni(of: $0.record) }).union(takenVNIs)
            guard let vni = pinnedVNI ?? (OverlayDriver.firstVNI...OverlayDriver.maxVNI).first(where: { !used.contains($0) }) else {
                throw BerthError.forbidden("no free VXLAN id is left in the cluster")
            }
            var record = NetworkRecord(
                id: id, name: spec.name, driver: driver.name, scope: "global", created: Timestamp.now().nanoseconds,
                internalNetwork: spec.internalNetwork, attachable: spec.attachable, ingress: spec.ingress,
                enableIPv4: spec.enableIPv4, enableIPv6: spec.enableIPv6, ipamDriver: "default",
                ipamOptions: spec.ipamOptions, subnets: subnets.map(Self.record), options: spec.options, labels: spec.labels)
            record.options[OverlayDriver.vxlanIDOption] = String(vni)
            record.userSubnets = !spec.subnets.isEmpty
            let idBytes = Array(id.utf8)
            let subnetKeys = subnets.map { OverlayKeys.subnet($0.subnet.description) }
            let txn = ClusterTxn(
                compare: [.absent(OverlayKeys.network(id)), .absent(OverlayKeys.name(spec.name)), .absent(OverlayKeys.vni(vni))] + subnetKeys.map { .absent($0) },
                success: [.put(OverlayKeys.network(id), record.jsonBytes, lease: 0), .put(OverlayKeys.name(spec.name), idBytes, lease: 0),
                          .put(OverlayKeys.vni(vni), idBytes, lease: 0)] + subnetKeys.map { .put($0, idBytes, lease: 0) },
                failure: [.get(OverlayKeys.name(spec.name)), .get(OverlayKeys.vni(vni))] + subnetKeys.map { .get($0) })
            let result: ClusterTxnResult
            do { result = try await cluster.txn(txn) } catch { throw Self.unavailable("create overlay network \(spec.name)", error) }
            if result.succeeded {
                let network = Network(record: record, subnets: subnets)
                adopt(network)
                do { try await store.save(record) } catch { logger.warning("cannot keep a copy of overlay network \(spec.name): \(error)") }
                logger.info("network created", metadata: ["name": "\(spec.name)", "id": "\(Identifier.short(id))", "vni": "\(vni)"])
                events?.publish("network", "create", id: id, attributes: ["name": spec.name, "type": driver.name])
                return network
            }
            let held = result.ranges.map { !$0.isEmpty }
            if held.first == true { throw BerthError.conflict("network with name \(spec.name) already exists") }
            if held.count > 1, held[1] {
                if pinnedVNI != nil { throw BerthError.forbidden("VXLAN id \(vni) is already used by another overlay network; choose another \(OverlayDriver.vxlanIDOption)") }
                takenVNIs.insert(vni)
            }
            for (i, s) in subnets.enumerated() where held.count > i + 2 && held[i + 2] {
                if !spec.subnets.isEmpty { throw BerthError.forbidden("Pool overlaps with other one on this address space") }
                takenSubnets.append(s.subnet)
            }
        }
        throw BerthError(.unavailable, "cannot create overlay network \(spec.name): other hosts kept taking the same subnet and VXLAN id; try again")
    }

    func removeGlobal(_ network: Network) async throws {
        guard let cluster else {
            throw BerthError(.unavailable, "cannot remove overlay network \(network.name): berthd runs without --cluster-store")
        }
        let busy = BerthError.forbidden("error while removing network: network \(network.name) id \(network.id) has active endpoints")
        if endpointCount(network.id) > 0 { throw busy }
        do {
            if try await !cluster.range(OverlayKeys.endpoints(of: network.id), prefix: true).kvs.isEmpty { throw busy }
            var ops: [ClusterTxn.Op] = [.delete(OverlayKeys.network(network.id)), .delete(OverlayKeys.name(network.name))]
            if let vni = OverlayDriver.vni(of: network.record) { ops.append(.delete(OverlayKeys.vni(vni))) }
            ops += network.subnets.map { .delete(OverlayKeys.subnet($0.subnet.description)) }
            // The name and VXLAN id keys are this network's for as long as its record exists.
            _ = try await cluster.txn(ClusterTxn(compare: [.value(OverlayKeys.name(network.name), Array(network.id.utf8))], success: ops,
                                                 failure: Array(ops.dropFirst(2)) + [.delete(OverlayKeys.network(network.id))]))
        } catch let e as BerthError {
            throw e
        } catch {
            throw Self.unavailable("remove overlay network \(network.name)", error)
        }
        await drop(network.id)
        logger.info("network removed", metadata: ["name": "\(network.name)", "id": "\(Identifier.short(network.id))"])
        events?.publish("network", "destroy", id: network.id, attributes: ["name": network.name, "type": network.driver])
    }

    // MARK: following the cluster

    private func followCluster(_ cluster: any ClusterStore) async {
        var reported = false
        while !Task.isCancelled {
            do {
                // Endpoints go on the host's leases: wait for them (a store that is down never
                // holds up the start; the networks are known from the local copy meanwhile).
                await clusterHost?.waitJoined()
                // One read and one watch of everything: networks, then endpoints and addresses.
                let snapshot = try await cluster.range("", prefix: true)
                await applySnapshot(snapshot.kvs)
                await applyEndpointSnapshot(snapshot.kvs)
                try await republish()
                clusterRevision = snapshot.revision
                if reported { logger.info("global networks: following the cluster store again") }
                reported = false
                for try await batch in cluster.watch(prefix: "", after: snapshot.revision) {
                    logger.debug("global networks: \(batch.count) change(s) from the cluster store")
                    var changed: Set<String> = []
                    for event in batch {
                        if OverlayKeys.networkID(event.kv.key) != nil {
                            await apply(event)
                        } else if let id = applyEndpointKey(event.kv, deleted: event.kind == .delete) {
                            changed.insert(id)
                        }
                    }
                    for id in changed.sorted() { await pushPeers(id) }
                }
                logger.debug("global networks: the watch ended; reading the cluster store again")
            } catch {
                if !reported { logger.warning("global networks: \(error); local networks are unaffected, retrying") }
                reported = true
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func applySnapshot(_ kvs: [ClusterKV]) async {
        var seen: Set<String> = []
        for kv in kvs {
            guard OverlayKeys.networkID(kv.key) != nil, let record = NetworkRecord(jsonBytes: kv.value) else { continue }
            seen.insert(record.id)
            await mirror(record)
        }
        for n in networks.values where n.record.scope == "global" && !seen.contains(n.id) { await drop(n.id) }
    }

    private func apply(_ event: ClusterEvent) async {
        guard let id = OverlayKeys.networkID(event.kv.key) else { return }
        switch event.kind {
        case .put: if let record = NetworkRecord(jsonBytes: event.kv.value), record.id == id { await mirror(record) }
        case .delete: await drop(id)
        }
    }

    /// Takes in a global network another host made (or this one, seen again).
    private func mirror(_ record: NetworkRecord) async {
        guard record.scope == "global", networks[record.id]?.record != record else { return }
        adopt(Network(record: record))
        do { try await store.save(record) } catch { logger.warning("cannot keep a copy of overlay network \(record.name): \(error)") }
    }

    private func adopt(_ network: Network) {
        ipam.release(networkID: network.id)
        ipam.restore(networkID: network.id, configs: network.subnets)
        insert(network)
    }

    /// Forgets a global network the cluster no longer has; one with local endpoints stays until
    /// they leave.
    private func drop(_ id: String) async {
        guard let n = networks[id], n.record.scope == "global" else { return }
        if endpointCount(id) > 0 {
            logger.warning("overlay network \(n.name) was removed from the cluster while containers here use it; keeping it until they leave")
            return
        }
        forget(id: id)
        ipam.release(networkID: id)
        remotePeers[id] = nil
        clusterHeld[id] = nil
        for cid in dnsPublished.removeValue(forKey: id) ?? [] { clusterRecords?.remove(containerID: cid, networkID: id) }
        try? await drivers[n.driver]?.delete(n)
        do { try await store.deleteNetwork(id: id) } catch { logger.warning("cannot remove the copy of overlay network \(n.name): \(error)") }
    }

    private static func unavailable(_ what: String, _ error: any Error) -> BerthError {
        BerthError(.unavailable, "cannot \(what): \(error)", cause: error)
    }
}
