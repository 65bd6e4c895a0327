import BerthCore
import BerthNetwork
import BerthStore

extension ContainerService {
    /// `docker network connect`: a running container gets its interface at once; a stopped one
    /// joins at its next start.
    public func connect(_ ref: String, network networkRef: String, request: ContainerRecord.NetworkRequest) async throws {
        let c = try find(ref)
        let net = try await network.find(networkRef)
        if c.networkMode == "host" || c.networkMode == "none" || c.networkMode.hasPrefix("container:") {
            throw BerthError.forbidden("container sharing network namespace with another container or host cannot be connected to any other network")
        }
        if net.driver == "host" || net.driver == "null" {
            throw BerthError.forbidden("container cannot be disconnected from \(net.name) network or connected to \(net.name) network")
        }
        var names: [String] = []
        for r in c.networks { names.append((try? await network.find(r.network))?.id ?? r.network) }
        if names.contains(net.id) {
            throw BerthError.forbidden("endpoint with name \(c.name) already exists in network \(net.name)")
        }
        var stored = request
        stored.network = net.name
        if c.status == .running {
            if net.record.enableIPv6 || request.wantsIPv6LinkLocal {
                // The sandbox may have been made without IPv6 (none of its networks had it).
                try await NetworkNamespace.setSysctls(
                    [("net.ipv6.conf.all.disable_ipv6", "0"), ("net.ipv6.conf.default.disable_ipv6", "0")],
                    at: paths.sandboxKey(c.id))
            }
            _ = try await network.connect(net.id, EndpointRequest(
                containerID: c.id, containerName: c.name, sandboxKey: paths.sandboxKey(c.id), ipv4: request.ipv4,
                ipv6: request.ipv6, macAddress: request.macAddress, aliases: request.aliases,
                linkLocalIPs: request.linkLocalIPs ?? [], interfaceName: request.driverOpts?[EndpointRequest.interfaceNameOption]))
            Failpoint.hit("netconnect.after-endpoint")
            do {
                try await networksChanged(c)
            } catch {
                try? await network.disconnect(net.id, containerID: c.id, force: true)
                try? await networksChanged(c)
                throw error
            }
        } else {
            try NetworkController.validate(
                EndpointRequest(containerID: c.id, containerName: c.name, sandboxKey: "", ipv4: request.ipv4, ipv6: request.ipv6,
                                aliases: request.aliases, linkLocalIPs: request.linkLocalIPs ?? []),
                on: net)
        }
        // Only the networks field: the container may have exited during the awaits above.
        containers[c.id]?.networks.append(stored)
        if let current = containers[c.id] { try await store.saveContainer(current) }
    }

    /// `docker network disconnect`.
    public func disconnect(_ ref: String, network networkRef: String, force: Bool) async throws {
        let c = try find(ref)
        let net = try await network.find(networkRef)
        if net.driver == "host" {
            throw BerthError.forbidden("container cannot be disconnected from host network or connected to host network")
        }
        var index: Int?
        for (i, r) in c.networks.enumerated() where (try? await network.find(r.network))?.id == net.id || r.network == net.name {
            index = i
        }
        guard let i = index else {
            throw BerthError.forbidden("container \(c.id) is not connected to network \(net.name)")
        }
        if c.status == .running {
            try await network.disconnect(net.id, containerID: c.id, force: force)
            Failpoint.hit("netdisconnect.after-network")
        }
        // The endpoint is gone: the record says so before anything else can fail; only the
        // networks field is changed (the container may have exited meanwhile).
        containers[c.id]?.networks.removeAll { $0 == c.networks[i] }
        if let current = containers[c.id] { try await store.saveContainer(current) }
        if containers[c.id]?.status == .running {
            do { try await networksChanged(c) } catch {
                logger.warning("names and /etc files not updated after disconnect", metadata: ["container": "\(c.name)", "error": "\(error)"])
            }
        }
    }

    /// A running container's endpoints changed: its names, its DNS server, and its /etc files follow.
    private func networksChanged(_ c: ContainerRecord) async throws {
        let embeddedDNS = try await refreshDNS(c)
        _ = try await writeEtcFiles(c, embeddedDNS: embeddedDNS)
    }
}
