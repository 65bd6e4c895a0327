import BerthCore
import BerthStore

extension NetworkController {
    /// At start, before the kernel is reconciled with the store: finishes or undoes the network
    /// changes a crash cut, one log line each. A create or a connect is rolled back (its record
    /// was never saved); a removal or a disconnect is rolled forward. Each resolution can run
    /// twice, and deletes its intent last, so a crash during the repair only repeats it.
    /// Container starts are the container service's (`ContainerService.restore`), and cut
    /// disconnects wait for `resolveCutDisconnects`, once the sandboxes are pinned again.
    func resolveIntents() async throws {
        for intent in try await store.intents() {
            switch intent.operation {
            case .networkCreate: await rollBackCreate(intent)
            case .networkRemove: await rollForwardRemove(intent)
            case .connect: await rollBackConnect(intent)
            case .disconnect, .start: continue
            }
            try await done(intent)
        }
    }

    /// Rolls cut disconnects forward. The heir's default route goes into the container's
    /// sandbox, so the container service calls this after it has re-pinned the sandboxes of the
    /// running containers (a new daemon does not see the old one's pins).
    public func resolveCutDisconnects() async throws {
        for intent in try await store.intents() where intent.operation == .disconnect {
            await rollForwardDisconnect(intent)
            try await done(intent)
        }
    }

    private func done(_ intent: IntentRecord) async throws {
        Failpoint.hit("restore.after-intent")
        try await store.commit([.deleteIntent(intent.id)])
    }

    private func rollBackCreate(_ intent: IntentRecord) async {
        guard networks[intent.subject] == nil, let record = intent.decode(NetworkRecord.self, IntentRecord.PlanKey.network) else { return }
        logger.notice("repair: rolling back a network create cut by a crash", metadata: ["network": "\(record.name)"])
        await drivers[record.driver]?.abandon(Network(record: record))
    }

    private func rollForwardRemove(_ intent: IntentRecord) async {
        guard let network = networks[intent.subject] else { return }
        logger.notice("repair: finishing a network removal cut by a crash", metadata: ["network": "\(network.name)"])
        for e in endpoints.values where e.networkID == network.id { try? await removeEndpoint(e, network: network, force: true) }
        try? await drivers[network.driver]?.delete(network)
        try? await store.deleteNetwork(id: network.id)
        forget(id: network.id)
        ipam.release(networkID: network.id)
        events?.publish("network", "destroy", id: network.id, attributes: ["name": network.name, "type": network.driver])
    }

    private func rollBackConnect(_ intent: IntentRecord) async {
        guard let e = intent.decode(EndpointRecord.self, IntentRecord.PlanKey.endpoint), endpoints[e.id] == nil else { return }
        let network = networks[e.networkID]
        logger.notice("repair: rolling back a connect cut by a crash", metadata: [
            "container": "\(e.containerName)", "network": "\(network?.name ?? Identifier.short(e.networkID))", "veth": "\(e.hostInterface)",
        ])
        // The host end goes, and its peer in the sandbox with it; nothing was saved, so the
        // address and the ports were never reserved in this daemon.
        if let network { try? await drivers[network.driver]?.leave(e, network: network) }
    }

    private func rollForwardDisconnect(_ intent: IntentRecord) async {
        guard let e = intent.decode(EndpointRecord.self, IntentRecord.PlanKey.endpoint) else { return }
        if let current = endpoints[e.id], let network = networks[current.networkID] {
            logger.notice("repair: finishing a disconnect cut by a crash", metadata: ["container": "\(e.containerName)", "network": "\(network.name)"])
            try? await removeEndpoint(current, network: network, force: true)
            return
        }
        guard intent.plan[IntentRecord.PlanKey.gateway] == "1", let heir = gatewayHeir(of: e) else { return }
        logger.notice("repair: giving the default route to the next network after a disconnect cut by a crash", metadata: [
            "container": "\(e.containerName)", "network": "\(networks[heir.networkID]?.name ?? "")",
        ])
        await handOver(from: e, to: heir)
    }
}
