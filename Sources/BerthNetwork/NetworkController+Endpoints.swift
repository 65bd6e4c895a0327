import BerthCore
import BerthIPAM
import BerthStore

extension NetworkController {
    /// Attaches a container's sandbox to a network (`docker run --network`, `network connect`).
    /// Checks and reservations (address, interface name) happen before the first `await`; a
    /// failure in the kernel or the store undoes them.
    public func connect(_ ref: String, _ request: EndpointRequest) async throws -> EndpointRecord {
        // On a global network another host may take the address this one chose in the meantime;
        // it is then held as theirs and the next free one tried.
        for _ in 0..<8 {
            let joined: EndpointRecord
            do {
                joined = try await connectOnce(ref, request)
            } catch is ClusterAddressTaken {
                continue
            }
            do {
                try await attachGatewayIfNeeded(request, joined: joined)
            } catch {
                if let n = networks[joined.networkID] { try? await removeEndpoint(joined, network: n, force: true) }
                throw error
            }
            return joined
        }
        throw BerthError(.unavailable, "cannot connect \(request.containerName) to \(ref): other hosts kept taking the addresses this one chose; try again")
    }

    private func connectOnce(_ ref: String, _ request: EndpointRequest) async throws -> EndpointRecord {
        let network = try find(ref)
        guard let sandboxes else { throw BerthError.internalError("this daemon was started without sandbox support") }
        guard let driver = drivers[network.driver] else { throw BerthError.notFound("plugin \"\(network.driver)\" not found") }
        if !driver.capabilities.endpoints {
            throw BerthError.forbidden("container cannot be disconnected from \(network.name) network or connected to \(network.name) network")
        }
        let mine = (endpoints.values.map { $0 } + pendingEndpoints.values).filter { $0.containerID == request.containerID }
        if mine.contains(where: { $0.networkID == network.id }) {
            throw BerthError.forbidden("endpoint with name \(request.containerName) already exists in network \(network.name)")
        }
        try Self.validate(request, on: network)
        let mac: MACAddress?
        if let text = request.macAddress, !text.isEmpty {
            guard let m = MACAddress(text) else { throw BerthError.invalidArgument("invalid MAC address: \(text)") }
            mac = m
        } else {
            mac = nil
        }

        // Reservations, synchronously.
        let v4 = try allocate(network, family: .v4, requested: request.ipv4)
        let v6: CIDR?
        do {
            v6 = try allocate(network, family: .v6, requested: request.ipv6)
        } catch {
            if let v4 { ipam.releaseAddress(networkID: network.id, v4.address) }
            throw error
        }
        let release = { [network] in
            if let v4 { self.ipam.releaseAddress(networkID: network.id, v4.address) }
            if let v6 { self.ipam.releaseAddress(networkID: network.id, v6.address) }
        }
        let used = Set((mine + leavingEndpoints.values.filter { $0.containerID == request.containerID }).map(\.interfaceName))
        let prefix = network.record.options[BridgeOptions.containerInterfacePrefix] ?? "eth"
        let ifName: String
        if let wanted = request.interfaceName, !wanted.isEmpty {
            guard wanted.utf8.count <= 15, !wanted.contains("/"), !wanted.contains(" "), wanted != ".", wanted != ".." else {
                release()
                throw BerthError.invalidArgument("invalid interface name \"\(wanted)\" in \(EndpointRequest.interfaceNameOption): it must be 1 to 15 characters without '/' or spaces")
            }
            guard !used.contains(wanted) && wanted != "lo" else {
                release()
                throw BerthError.invalidArgument("interface name \(wanted) is already used in the sandbox of \(request.containerName); choose another \(EndpointRequest.interfaceNameOption)")
            }
            ifName = wanted
        } else {
            ifName = (0...).lazy.map { "\(prefix)\($0)" }.first { !used.contains($0) } ?? "\(prefix)0"
        }
        let providesGateway = reachesOutside(network) && !mine.contains { self.providesGateway($0) }
        var endpoint = EndpointRecord(
            id: Identifier.random(), networkID: network.id, containerID: request.containerID,
            containerName: request.containerName, sandboxKey: request.sandboxKey, interfaceName: ifName,
            hostInterface: "veth" + Identifier.random().prefix(7),
            macAddress: (mac ?? v4.flatMap { if case .v4(let a) = $0.address { MACAddress.derived(from: a) } else { nil } } ?? MACAddress.random()).description,
            ipv4Address: v4?.description ?? "", ipv6Address: v6?.description ?? "",
            gateway4: v4 == nil ? "" : network.subnets.first { $0.family == .v4 }?.gateway.description ?? "",
            gateway6: v6 == nil ? "" : network.subnets.first { $0.family == .v6 }?.gateway.description ?? "",
            aliases: request.aliases, requestedIPv4: request.ipv4 ?? "", requestedIPv6: request.ipv6 ?? "",
            order: (mine.map(\.order).max() ?? -1) + 1)
        endpoint.linkLocalIPs = request.linkLocalIPs.isEmpty ? nil : request.linkLocalIPs
        do {
            try driver.prepareEndpoint(&endpoint, request: request, network: network)
        } catch {
            release()
            throw error
        }
        if providesGateway && !request.ports.isEmpty && !driver.capabilities.hostFirewall {
            // As dockerd: accepted, logged, nothing published.
            logger.warning("\(network.driver) driver does not support port mappings", metadata: ["container": "\(request.containerName)"])
        } else if providesGateway && !request.ports.isEmpty {
            do {
                endpoint.ports = try allocatePorts(request.ports, network: network, endpoint: endpoint)
            } catch {
                release()
                throw error
            }
        }
        let releaseAll = { [endpoint] in
            release()
            self.portAllocator.release(owner: endpoint.id)
            self.releasePortSockets(endpoint.id)
        }
        pendingEndpoints[endpoint.id] = endpoint
        defer { pendingEndpoints[endpoint.id] = nil }
        let global = network.record.scope == "global"
        if global {
            do {
                try await claimInCluster(endpoint, network: network)
            } catch let taken as ClusterAddressTaken {
                releaseAll()
                hold(taken.addresses, network: network.id)
                if !(request.ipv4 ?? "").isEmpty || !(request.ipv6 ?? "").isEmpty {
                    throw BerthError.forbidden("Address already in use: \(taken.addresses.map(\.description).joined(separator: ", ")) is taken on \(network.name) by a container on another host")
                }
                throw taken
            } catch {
                releaseAll()
                throw error
            }
        }

        // Journaled: the record is saved with the intent's deletion, so a crash before that rolls
        // the join back at restart (the plan names the veth to delete).
        let change: JournaledChange
        do {
            change = try await JournaledChange.begin(
                .connect, subject: request.containerID, network: network.id,
                plan: [IntentRecord.PlanKey.endpoint: IntentRecord.json(endpoint)], in: store)
        } catch {
            releaseAll()
            throw error
        }
        change.onUndo(releaseAll)
        if global { change.onUndo { [endpoint] in await self.withdrawFromCluster(endpoint, network: network) } }
        do {
            if isIsolated(endpoint) {
                // Into the isolated set before its port exists, so it never talks to its neighbours.
                let port = endpoint.hostInterface
                try await changeFirewall("isolating \(port)", retry: true) { try await $0.isolate([port], true) }
                change.onUndo { [endpoint] in await self.unisolate(endpoint) }
            }
            let sandbox: SandboxHandle
            do {
                sandbox = try await sandboxes.open(request.sandboxKey)
            } catch {
                throw BerthError.internalError("cannot open the network namespace of container \(request.containerName): \(error)", cause: error)
            }
            defer { sandbox.close() }
            endpoint = try await driver.join(endpoint, network: network, sandbox: sandbox, providesGateway: providesGateway)
            pendingEndpoints[endpoint.id] = endpoint
            change.onUndo { [endpoint] in try? await driver.leave(endpoint, network: network) }
            Failpoint.hit("connect.after-join")
            if global { try await publishInCluster(endpoint, network: network) }
            if !endpoint.ports.isEmpty {
                let ports = endpoint.ports
                do {
                    try await changeFirewall("publishing ports of \(request.containerName)", retry: true) { try await $0.publish(ports) }
                } catch {
                    throw BerthError.internalError(
                        "driver failed programming external connectivity on endpoint \(request.containerName) (\(endpoint.id)): \(error)", cause: error)
                }
                change.onUndo {
                    try? await self.changeFirewall("unpublishing ports of \(request.containerName)", retry: false) { try await $0.unpublish(ports) }
                }
            }
            do {
                try await change.finish([.saveEndpoint(endpoint)])
            } catch {
                throw BerthError.internalError("cannot save the endpoint of \(request.containerName) on \(network.name): \(error)", cause: error)
            }
            Failpoint.hit("connect.after-save")
        } catch {
            await change.rollback()
            throw BerthError.wrap(error)
        }
        endpoints[endpoint.id] = endpoint
        events?.publish("network", "connect", id: network.id,
                        attributes: ["container": request.containerID, "name": network.name, "type": network.driver])
        return endpoint
    }

    /// Detaches a container from a network. When the endpoint carried the default route, the
    /// next endpoint of the sandbox takes it over.
    public func disconnect(_ ref: String, containerID: String, force: Bool = false) async throws {
        let network = try find(ref)
        guard let endpoint = endpoints.values.first(where: { $0.networkID == network.id && $0.containerID == containerID }) else {
            if network.driver == "host" {
                throw BerthError.forbidden("container cannot be disconnected from host network or connected to host network")
            }
            throw BerthError.forbidden("container \(containerID) is not connected to network \(network.name)")
        }
        try await removeEndpoint(endpoint, network: network, force: force)
        if needsGatewayBridge(network) { await detachGatewayIfUnneeded(containerID: containerID) }
    }

    /// Detaches a container from every network (container removal or stop).
    public func disconnectAll(containerID: String) async throws {
        for e in endpoints.values.filter({ $0.containerID == containerID }).sorted(by: { $0.order > $1.order }) {
            if let n = networks[e.networkID] { try await removeEndpoint(e, network: n, force: true) }
        }
    }

    func removeEndpoint(_ endpoint: EndpointRecord, network: Network, force: Bool) async throws {
        let hadGateway = providesGateway(endpoint)
        endpoints[endpoint.id] = nil
        leavingEndpoints[endpoint.id] = endpoint
        defer { leavingEndpoints[endpoint.id] = nil }
        // Journaled: once the veth may be gone, a crash rolls the removal forward at restart,
        // default route and published ports passing to the heir.
        let change: JournaledChange
        do {
            change = try await JournaledChange.begin(
                .disconnect, subject: endpoint.containerID, network: network.id,
                plan: [IntentRecord.PlanKey.endpoint: IntentRecord.json(endpoint), IntentRecord.PlanKey.gateway: hadGateway ? "1" : "0"],
                in: store)
        } catch {
            endpoints[endpoint.id] = endpoint
            throw error
        }
        do {
            try await drivers[network.driver]?.leave(endpoint, network: network)
        } catch where !force {
            endpoints[endpoint.id] = endpoint
            await change.rollback()
            throw BerthError.internalError("cannot disconnect \(endpoint.containerName) from \(network.name): \(error)", cause: error)
        } catch {
            logger.warning("disconnect \(endpoint.containerName) from \(network.name): \(error)")
        }
        Failpoint.hit("disconnect.after-leave")
        if !endpoint.ports.isEmpty {
            let ports = endpoint.ports
            do {
                try await changeFirewall("unpublishing ports of \(endpoint.containerName)", retry: false) { try await $0.unpublish(ports) }
            } catch {
                logger.warning("unpublishing ports of \(endpoint.containerName): \(error)")
            }
            portAllocator.release(owner: endpoint.id)
            releasePortSockets(endpoint.id)
        }
        await unisolate(endpoint)
        if network.record.scope == "global" { await withdrawFromCluster(endpoint, network: network) }
        for text in [endpoint.ipv4Address, endpoint.ipv6Address] where !text.isEmpty {
            if let c = CIDR(text) { ipam.releaseAddress(networkID: network.id, c.address) }
        }
        let heir = hadGateway ? gatewayHeir(of: endpoint) : nil
        if heir == nil {
            try await change.finish([.deleteEndpoint(endpoint.id)])
        } else {
            try await change.advance("deleted", changes: [.deleteEndpoint(endpoint.id)])
        }
        Failpoint.hit("disconnect.after-delete")
        events?.publish("network", "disconnect", id: network.id,
                        attributes: ["container": endpoint.containerID, "name": network.name, "type": network.driver])
        if let heir {
            await handOver(from: endpoint, to: heir)
            try? await change.finish([])
        }
    }

    /// The endpoint that takes the default route when `endpoint` leaves: the earliest-joined of
    /// the same container on a network that is not internal.
    func gatewayHeir(of endpoint: EndpointRecord) -> EndpointRecord? {
        endpoints.values.filter { $0.containerID == endpoint.containerID && $0.id != endpoint.id && (networks[$0.networkID].map(reachesOutside) ?? false) }
            .min(by: { $0.order < $1.order })
    }

    /// Gives `heir` the default route and the published ports `old` carried.
    func handOver(from old: EndpointRecord, to heir: EndpointRecord) async {
        guard let sandboxes, let heirNetwork = networks[heir.networkID] else { return }
        do {
            let sandbox = try await sandboxes.open(heir.sandboxKey)
            defer { sandbox.close() }
            try await drivers[heirNetwork.driver]?.takeGateway(heir, sandbox: sandbox)
        } catch {
            logger.warning("moving the default route of \(heir.containerName) to \(heirNetwork.name): \(error)")
        }
        if !old.ports.isEmpty { await movePorts(old.ports, to: heir, on: heirNetwork) }
    }

    /// The published ports follow the default route, as in libnetwork: the endpoint that takes
    /// over the gateway publishes the same host ports, to its own addresses. A port taken
    /// meanwhile, or of a family the heir lacks, is dropped with a warning.
    private func movePorts(_ old: [PublishedPort], to heir: EndpointRecord, on network: Network) async {
        let v4 = heir.ipv4Address.split(separator: "/").first.map(String.init)
        let v6 = heir.ipv6Address.split(separator: "/").first.map(String.init)
        var moved: [PublishedPort] = []
        for p in old {
            guard let ip = p.hostAddress, let target = p.family == .v4 ? v4 : v6 else { continue }
            let request = PortBindingRequest(containerPort: p.containerPort, proto: p.proto, hostIP: p.hostIP, hostPort: String(p.hostPort))
            do {
                _ = try takePort(request, hostIPs: [ip], endpointID: heir.id)
            } catch {
                logger.warning("published port \(p.hostIP):\(p.hostPort) of \(heir.containerName) not moved to \(network.name): \(error)")
                continue
            }
            moved.append(PublishedPort(proto: p.proto, hostIP: p.hostIP, hostPort: p.hostPort, containerIP: target, containerPort: p.containerPort))
        }
        guard !moved.isEmpty, var updated = endpoints[heir.id] else { return }
        updated.ports = moved
        endpoints[heir.id] = updated
        do {
            // The store first: a restart rebuilds the firewall from it, so a crash between the two
            // steps republishes the moved ports instead of losing them.
            try await store.saveEndpoint(updated)
            try await drivers[network.driver]?.enableHairpin(updated)
            try await changeFirewall("publishing ports of \(heir.containerName)", retry: false) { [moved] in try await $0.publish(moved) }
        } catch {
            logger.warning("moving published ports of \(heir.containerName) to \(network.name): \(error)")
        }
    }

    /// Takes an endpoint's bridge port out of the isolated set (ICC off), best effort: a stale
    /// name there matches nothing, veth names being random, and the next rebuild drops it.
    func unisolate(_ endpoint: EndpointRecord) async {
        guard isIsolated(endpoint) else { return }
        let port = endpoint.hostInterface
        try? await changeFirewall("releasing \(port)", retry: false) { try await $0.isolate([port], false) }
    }

    /// The endpoints of a container, in join order.
    public func endpoints(container id: String) -> [EndpointRecord] {
        endpoints.values.filter { $0.containerID == id }.sorted { $0.order < $1.order }
    }

    /// The endpoints on a network, for `Containers` in network inspect.
    public func endpoints(network id: String) -> [EndpointRecord] {
        endpoints.values.filter { $0.networkID == id }.sorted { $0.containerID < $1.containerID }
    }

    /// Whether a network's containers have a way out (not internal, and its driver gives one):
    /// only such networks carry a sandbox's default route, and only they make the embedded DNS
    /// forward.
    public func reachesOutside(_ network: Network) -> Bool {
        drivers[network.driver]?.reachesOutside(network) ?? !network.record.internalNetwork
    }

    /// Whether the endpoint carries its sandbox's default route: the earliest-joined endpoint
    /// on a network with a way out.
    func providesGateway(_ e: EndpointRecord) -> Bool {
        guard let n = networks[e.networkID], reachesOutside(n) else { return false }
        let rivals = (endpoints.values.map { $0 } + pendingEndpoints.values).filter {
            $0.containerID == e.containerID && $0.id != e.id && (networks[$0.networkID].map(reachesOutside) ?? false)
        }
        return !rivals.contains { $0.order < e.order }
    }
}

extension NetworkController {
    /// Brings up the loopback of a sandbox that joins no network (`--network none`).
    public func bringUpLoopback(sandboxKey: String) async throws {
        guard let sandboxes else { throw BerthError.internalError("this daemon was started without sandbox support") }
        let sandbox = try await sandboxes.open(sandboxKey)
        defer { sandbox.close() }
        try await sandbox.netlink.setLinkUp(name: "lo")
    }
}
