import BerthCore
import BerthNetwork
import BerthStore

extension ContainerService {
    /// Whether `c` sits on the default bridge, where legacy links mean /etc/hosts and environment.
    func onDefaultBridge(_ c: ContainerRecord) -> Bool {
        c.networks.contains { $0.network == "bridge" }
    }

    /// Parses and checks `--link` at create, as dockerd does: on the default bridge the target must
    /// exist and be on the default bridge too; on user-defined networks links are DNS aliases and
    /// are not checked.
    func validateLinks(_ specs: [String], defaultBridge: Bool) throws -> [ContainerRecord.Link] {
        var links: [ContainerRecord.Link] = []
        for text in specs {
            let link = try LegacyLinks.parse(text)
            if defaultBridge {
                let target: ContainerRecord
                // 400, not 404: the docker CLI takes a 404 from create for a missing image and pulls.
                do { target = try find(link.name) } catch {
                    throw BerthError.invalidArgument("could not get container for \(link.name): No such container: \(link.name)")
                }
                guard onDefaultBridge(target) else {
                    throw BerthError.invalidArgument("Cannot link to /\(target.name), as it does not belong to the default network")
                }
            }
            links.append(link)
        }
        return links
    }

    /// The /etc/hosts records and environment a default-bridge container gets from its links. At
    /// start (`requireRunning`) a stopped target is an error, as in dockerd; when hosts files are
    /// refreshed later a stopped target is skipped.
    func linkFacts(_ c: ContainerRecord, requireRunning: Bool) async throws -> (hosts: [EtcHosts.Record], env: [String]) {
        guard onDefaultBridge(c), !c.links.isEmpty else { return ([], []) }
        let bridge = try await network.find("bridge")
        var hosts: [EtcHosts.Record] = []
        var env: [String] = []
        for link in c.links {
            guard let target = try? find(link.name) else {
                if requireRunning {
                    throw BerthError.notFound("could not get container for \(link.name): No such container: \(link.name)")
                }
                continue
            }
            let endpoint = await network.endpoints(container: target.id).first { $0.networkID == bridge.id }
            guard target.status == .running, let ip = endpoint.flatMap({ Self.address($0.ipv4Address) }) else {
                if requireRunning {
                    throw BerthError.conflict("Cannot link to a non running container: /\(target.name) AS /\(c.name)/\(link.alias)")
                }
                continue
            }
            // dockerd's line: alias, the target's hostname (its short id unless set), its name.
            var names = [link.alias]
            for n in [target.hostname, target.name] where !n.isEmpty && !names.contains(n) { names.append(n) }
            hosts.append(.init(address: ip, names: names))
            env += LegacyLinks.environment(alias: link.alias, linkName: "/\(c.name)/\(link.alias)", ip: ip,
                                           ports: target.exposedPorts, targetEnv: target.env)
        }
        return (hosts, env)
    }

    /// `target` (re)started with a possibly new address: running containers linking to it get their
    /// /etc/hosts rewritten (dockerd keeps parents' hosts current; their environment stays as it was).
    func refreshLinkers(of target: ContainerRecord) async {
        for parent in containers.values where parent.status == .running && parent.id != target.id
            && parent.links.contains(where: { $0.name == target.name }) && onDefaultBridge(parent) {
            let embedded = await dns?.isServing(containerID: parent.id) ?? false
            do { _ = try await writeEtcFiles(parent, embeddedDNS: embedded) } catch {
                logger.warning("hosts of linking container not updated", metadata: ["container": "\(parent.name)", "error": "\(error)"])
            }
        }
    }

    /// `--add-host` entries; `host-gateway` stands for `--host-gateway-ip`, else the gateway of the
    /// container's first network, else the default bridge's.
    func extraHostRecords(_ c: ContainerRecord) async -> [EtcHosts.Record] {
        var records: [EtcHosts.Record] = []
        for entry in c.extraHosts {
            guard var record = Self.extraHost(entry) else { continue }
            if record.address == "host-gateway" {
                guard let gateway = await hostGateway(c) else { continue }
                record.address = gateway
            }
            records.append(record)
        }
        return records
    }

    private func hostGateway(_ c: ContainerRecord) async -> String? {
        if let ip = defaults.hostGatewayIP { return ip }
        if let first = await network.endpoints(container: c.id).first, !first.gateway4.isEmpty { return first.gateway4 }
        return (try? await network.find("bridge"))?.subnets.first { $0.subnet.family == .v4 }?.gateway.description
    }

    /// Checks `--add-host` values at create: `name:ip`, `name=ip`, or `name:host-gateway`.
    static func validateExtraHosts(_ entries: [String]) throws {
        for entry in entries {
            guard let record = extraHost(entry), !record.names[0].isEmpty else {
                throw BerthError.invalidArgument("bad format for add-host: \"\(entry)\"")
            }
            guard record.address == "host-gateway" || IPAddress(record.address) != nil else {
                throw BerthError.invalidArgument("invalid IP address in add-host: \"\(record.address)\"")
            }
        }
    }
}

extension ContainerService {
    /// `DELETE /containers/PARENT/ALIAS?link=1` (`docker rm --link /web/db`): drops the legacy link
    /// named ALIAS from PARENT, as dockerd does; a running parent loses its /etc/hosts line at once
    /// (its environment stays as it was started).
    public func removeLink(_ linkName: String) async throws {
        let trimmed = linkName.split(separator: "/").joined(separator: "/")
        let parts = trimmed.split(separator: "/").map(String.init)
        guard parts.count == 2 else {
            // A plain container name is "the default link name" in dockerd's terms.
            if parts.count == 1, (try? find(parts[0])) != nil {
                throw BerthError.internalError("Conflict, cannot remove the default link name of the container")
            }
            throw BerthError.notFound("No such container: \(trimmed)")
        }
        guard var parent = try? find(parts[0]), parent.links.contains(where: { $0.alias == parts[1] }) else {
            throw BerthError.notFound("No such container: \(trimmed)")
        }
        guard parent.status != .removing else {
            throw BerthError.conflict("removal of container \(trimmed) is already in progress")
        }
        parent.links.removeAll { $0.alias == parts[1] }
        do { try await store.saveContainer(parent) } catch {
            throw BerthError.internalError("cannot save container \(parent.name): \(error)", cause: error)
        }
        containers[parent.id] = parent
        if parent.status == .running, onDefaultBridge(parent) {
            let embedded = await dns?.isServing(containerID: parent.id) ?? false
            do { _ = try await writeEtcFiles(parent, embeddedDNS: embedded) } catch {
                logger.warning("hosts of container not updated after link removal", metadata: ["container": "\(parent.name)", "error": "\(error)"])
            }
        }
        logger.info("link removed", metadata: ["container": "\(parent.name)", "link": "\(parts[1])"])
    }
}
