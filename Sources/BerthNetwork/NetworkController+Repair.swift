import BerthCore
import BerthStore

extension NetworkController {
    /// After a crash, makes a running container's sandbox agree with its endpoint records: an
    /// interface no record names (a connect cut after the veth was made) is deleted, so its address
    /// can never be handed out twice; a record whose interface is gone (a disconnect cut after the
    /// veth was deleted) is dropped.
    public func repairSandbox(containerID: String, sandboxKey: String) async {
        guard let sandboxes else { return }
        let mine = endpoints.values.filter { $0.containerID == containerID }
        let sandbox: SandboxHandle
        do { sandbox = try await sandboxes.open(sandboxKey) } catch {
            logger.warning("repair: cannot open sandbox", metadata: ["sandbox": "\(sandboxKey)", "error": "\(error)"])
            return
        }
        defer { sandbox.close() }
        guard let links = try? await sandbox.netlink.links() else { return }
        let named = Set(mine.map(\.interfaceName))
        for link in links where ["veth", "macvlan", "ipvlan"].contains(link.kind ?? "") && !named.contains(link.name) {
            logger.notice("repair: deleting an interface no endpoint owns (a cut connect)", metadata: ["container": "\(Identifier.short(containerID))", "interface": "\(link.name)"])
            try? await sandbox.netlink.deleteLink(name: link.name)
        }
        let present = Set(links.map(\.name))
        for e in mine where !present.contains(e.interfaceName) {
            guard let n = networks[e.networkID] else { continue }
            logger.notice("repair: dropping an endpoint whose interface is gone (a cut disconnect)", metadata: ["container": "\(e.containerName)", "network": "\(n.name)"])
            try? await removeEndpoint(e, network: n, force: true)
        }
    }

    /// The names of the networks `containerID` has endpoints on, in join order.
    public func endpointNetworks(containerID: String) -> [String] {
        endpoints.values.filter { $0.containerID == containerID }.sorted { $0.order < $1.order }.compactMap { networks[$0.networkID]?.name }
    }

    /// Drops the endpoints of containers that are not running (or no longer exist): what a start,
    /// an exit or a removal cut by a crash left. Their addresses and host ports are released.
    public func dropEndpoints(keeping running: Set<String>) async {
        for e in endpoints.values.sorted(by: { $0.order > $1.order }) where !running.contains(e.containerID) {
            guard let n = networks[e.networkID] else { continue }
            logger.notice("repair: dropping an endpoint of a container that does not run", metadata: ["container": "\(e.containerName)", "network": "\(n.name)"])
            try? await removeEndpoint(e, network: n, force: true)
        }
    }

    /// Deletes host-side interfaces that no endpoint names (their sandbox died with a crash in
    /// between, or a join was cut before its record was saved); each driver knows its own.
    public func removeOrphanInterfaces() async {
        let owned = Set(endpoints.values.map(\.hostInterface))
        for (name, driver) in drivers.sorted(by: { $0.key < $1.key }) {
            await driver.removeOrphanInterfaces(networks.values.filter { $0.driver == name }, owned: owned)
        }
    }
}
