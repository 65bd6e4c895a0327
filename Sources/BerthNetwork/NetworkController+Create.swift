import BerthCore
import BerthIPAM
import BerthStore

extension NetworkController {
    /// Drivers Docker has that Berth does not run yet; asking for one is a clear 501, not a 404.
    static let knownUnsupportedDrivers: Set<String> = ["overlay"]
    /// Names dockerd keeps for its own networks: no user network may take them.
    static let predefinedNames: Set<String> = ["bridge", "host", "none", "default"]

    /// Creates a network and returns it. Every check happens before any reservation, and every
    /// reservation is undone if a later step fails.
    public func create(_ spec: NetworkCreateSpec) async throws -> Network {
        let driverName = spec.driver.isEmpty ? "bridge" : spec.driver
        // dockerd checks no characters: `test 01` and `a/b` are names; only an empty one is refused.
        guard spec.name.contains(where: { !$0.isWhitespace }) else { throw BerthError.invalidArgument("invalid name: name is empty") }
        if Self.predefinedNames.contains(spec.name) {
            throw BerthError.forbidden("operation is not permitted on predefined \(spec.name) network ")
        }
        if spec.configOnly || spec.configFrom != nil {
            throw BerthError(.notImplemented, "config-only networks (--config-only, --config-from) are not supported by Berth yet")
        }
        if drivers[driverName] == nil, Self.knownUnsupportedDrivers.contains(driverName) {
            throw BerthError(.notImplemented, "the \(driverName) driver is not supported by Berth yet; use the bridge driver")
        }
        guard let driver = try await resolveDriver(driverName) else { throw BerthError.notFound("plugin \"\(driverName)\" not found") }
        guard driver.capabilities.userNetworks else {
            throw BerthError.forbidden("only one instance of \"\(driverName)\" network is allowed")
        }
        let scope = driver.capabilities.scope
        // `swarm` is what dockerd calls the scope of overlay networks; Berth's are `global`.
        if let asked = spec.scope, !asked.isEmpty, asked != scope, !(scope == "global" && asked == "swarm") {
            throw BerthError.invalidArgument("invalid scope \"\(asked)\": \(driverName) networks are \(scope); omit --scope or use --scope \(scope)")
        }
        let ipamDriver = spec.ipamDriver.isEmpty ? "default" : spec.ipamDriver
        let leased = ipamDriver == Self.dhcpIPAM
        if leased {
            try Self.checkLeased(spec, driver: driverName, offers: driver.capabilities.leasesAddresses)
        } else if ipamDriver != "default" {
            throw BerthError.notFound("plugin \"\(spec.ipamDriver)\" not found")
        }
        if networks.values.contains(where: { $0.name == spec.name }) || pendingNames.contains(spec.name) {
            throw BerthError.conflict("network with name \(spec.name) already exists")
        }
        try driver.validate(options: spec.options)
        let requests = try Self.parseSubnets(spec.subnets)
        if scope == "global" { return try await createGlobal(spec, driver: driver, requests: requests) }

        let id = Identifier.random()
        var record = NetworkRecord(
            id: id, name: spec.name, driver: driverName, created: Timestamp.now().nanoseconds,
            internalNetwork: spec.internalNetwork, attachable: spec.attachable, ingress: spec.ingress,
            enableIPv4: spec.enableIPv4, enableIPv6: spec.enableIPv6, ipamDriver: ipamDriver,
            ipamOptions: spec.ipamOptions, options: spec.options, labels: spec.labels)
        record.userSubnets = !spec.subnets.isEmpty
        try driver.checkCreate(Network(record: record, subnets: []), others: networks.values.filter { $0.driver == driverName }.sorted { $0.record.created < $1.record.created })
        let device = driver.exclusiveDevice(Network(record: record, subnets: []))
        if let device {
            let taken = networks.values.contains { drivers[$0.driver]?.exclusiveDevice($0) == device } || pendingDevices.contains(device)
            if taken {
                throw BerthError.forbidden("bridge name \(device) is already used by another network; choose another \(BridgeOptions.name)")
            }
        }

        // Reservations: synchronous, before the first await.
        let subnets: [SubnetConfig]
        do {
            // Leased addresses come from the LAN's server, one per endpoint at join: no pool here.
            subnets = leased ? [] : try ipam.assign(networkID: id, requests: requests, enableIPv4: spec.enableIPv4, enableIPv6: spec.enableIPv6)
        } catch {
            throw error.berthError
        }
        record.subnets = subnets.map(Self.record)
        let network = Network(record: record, subnets: subnets)
        pendingNames.insert(spec.name)
        if let device { pendingDevices.insert(device) }
        defer {
            pendingNames.remove(spec.name)
            if let device { pendingDevices.remove(device) }
        }

        // Journaled: a crash before the record is saved rolls the create back at restart.
        let change: JournaledChange
        do {
            change = try await JournaledChange.begin(
                .networkCreate, subject: id, plan: [IntentRecord.PlanKey.network: IntentRecord.json(record)], in: store)
        } catch {
            ipam.release(networkID: id)
            throw error
        }
        change.onUndo { self.ipam.release(networkID: id) }
        pendingNetworks[id] = network
        defer { pendingNetworks[id] = nil }
        do {
            do {
                try await driver.create(network)
            } catch {
                logger.warning("creating network \(spec.name) failed in the driver: \(error)")
                throw error
            }
            change.onUndo { try? await driver.delete(network) }
            Failpoint.hit("netcreate.after-bridge")
            if let fw = firewallNetwork(network) {
                try await changeFirewall("adding network \(spec.name)", retry: true) { try await $0.add(fw) }
                change.onUndo { try? await self.changeFirewall("removing network \(spec.name)", retry: false) { try await $0.remove(fw) } }
            }
            do {
                try await change.finish([.saveNetwork(record)])
            } catch {
                throw BerthError.internalError("cannot save network \(spec.name): \(error)", cause: error)
            }
        } catch {
            await change.rollback()
            throw BerthError.wrap(error)
        }
        insert(network)
        logger.info("network created", metadata: ["name": "\(spec.name)", "id": "\(Identifier.short(id))"])
        events?.publish("network", "create", id: id, attributes: ["name": spec.name, "type": driverName])
        return network
    }

    /// Parses user subnet requests, with dockerd's messages for malformed addresses.
    static func parseSubnets(_ subnets: [NetworkCreateSpec.Subnet]) throws(BerthError) -> [SubnetRequest] {
        try subnets.map { s throws(BerthError) in
            var r = SubnetRequest()
            if let text = s.subnet {
                guard let c = CIDR(text) else { throw .invalidArgument("Invalid subnet \(text) : invalid CIDR address: \(text)") }
                // Current dockerd refuses host bits (20.10 stored them verbatim; Berth used to mask them).
                guard c == c.network else { throw .invalidArgument("invalid network config:\ninvalid subnet \(text): it should be \(c.network)") }
                r.subnet = c
            }
            if let text = s.ipRange {
                guard let c = CIDR(text) else { throw .invalidArgument("Invalid ip-range \(text) : invalid CIDR address: \(text)") }
                guard c == c.network else { throw .invalidArgument("invalid network config:\ninvalid ip-range \(text): it should be \(c.network)") }
                r.ipRange = c
            }
            if let text = s.gateway {
                guard let a = IPAddress(text) else { throw .invalidArgument("Invalid gateway \(text) : invalid IP address: \(text)") }
                r.gateway = a
            }
            for (k, v) in s.auxAddresses {
                guard let a = IPAddress(v) else { throw .invalidArgument("Invalid aux-address \(k)=\(v) : invalid IP address: \(v)") }
                r.auxAddresses[k] = a
            }
            return r
        }
    }

    // MARK: remove

    /// Removes a network by reference. Predefined networks and networks in use are refused (403).
    public func remove(_ ref: String) async throws {
        let network = try find(ref)
        if network.record.predefined {
            throw BerthError.forbidden("\(network.name) is a pre-defined network and cannot be removed")
        }
        if endpointCount(network.id) > 0 {
            throw BerthError.forbidden("error while removing network: network \(network.name) id \(network.id) has active endpoints")
        }
        if network.record.scope == "global" { return try await removeGlobal(network) }
        guard !removing.contains(network.id) else { throw BerthError.notFound("network \(ref) not found") }
        removing.insert(network.id)
        defer { removing.remove(network.id) }
        // Journaled: once the device may be gone, a crash rolls the removal forward at restart.
        let change = try await JournaledChange.begin(.networkRemove, subject: network.id, in: store)
        do {
            try await drivers[network.driver]?.release(network, remaining: networks.values.filter { $0.driver == network.driver && $0.id != network.id })
        } catch {
            await change.rollback()
            throw BerthError.internalError("cannot remove network \(network.name): \(error)", cause: error)
        }
        Failpoint.hit("netrm.after-driver")
        // A failed commit leaves the intent: the restart finishes the removal.
        try await change.finish([.deleteNetwork(network.id)])
        forget(id: network.id)
        if let fw = firewallNetwork(network) {
            do {
                try await changeFirewall("removing network \(network.name)", retry: false) { try await $0.remove(fw) }
            } catch {
                logger.warning("firewall: removing network \(network.name): \(error)")
            }
        }
        ipam.release(networkID: network.id)
        logger.info("network removed", metadata: ["name": "\(network.name)", "id": "\(Identifier.short(network.id))"])
        events?.publish("network", "destroy", id: network.id, attributes: ["name": network.name, "type": network.driver])
    }

    /// Removes every custom network without endpoints that passes `filter`; returns their names.
    public func prune(filter: NetworkFilter) async throws -> [String] {
        try filter.validate(accepted: NetworkFilter.pruneKeys)
        let victims = networks.values
            .filter { !$0.record.predefined && endpointCount($0.id) == 0 && filter.matches($0, endpointCount: 0) }
            .sorted { $0.name < $1.name }
        var removed: [String] = []
        for n in victims {
            do {
                try await remove(n.id)
                removed.append(n.name)
            } catch {
                logger.warning("prune: cannot remove network \(n.name): \(error)")
            }
        }
        return removed
    }
}
