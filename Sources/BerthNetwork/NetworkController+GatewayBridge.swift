import BerthCore
import BerthStore

/// `docker_gwbridge`, dockerd's layout for the way out of overlay networks: a container whose
/// overlay endpoint has no sibling with a way out gets a second endpoint on this local bridge
/// network (ICC off, masquerade on), which carries its default route and its published ports.
/// It is made at the first need, kept like dockerd keeps it, and the endpoint goes when the
/// container's last overlay endpoint does. `docker inspect` does not list it, as dockerd.
extension NetworkController {
    public static let gatewayBridgeName = "docker_gwbridge"

    /// Whether the network is the gateway bridge (its endpoints are the overlay containers' way out).
    public func isGatewayBridge(_ id: String) -> Bool {
        networks[id].map { $0.name == Self.gatewayBridgeName && $0.driver == "bridge" } ?? false
    }

    /// Whether the network's containers need the gateway bridge for a way out: not internal, and
    /// its driver gives none (overlay; a plugin whose joins name no gateway).
    func needsGatewayBridge(_ network: Network) -> Bool {
        !isGatewayBridge(network.id) && (drivers[network.driver]?.needsGatewayBridge(network) ?? false)
    }

    /// After a join of a network without a way out of its own (overlay): the gateway endpoint,
    /// when none of the container's endpoints reaches outside yet.
    func attachGatewayIfNeeded(_ request: EndpointRequest, joined: EndpointRecord) async throws {
        guard let network = networks[joined.networkID], needsGatewayBridge(network) else { return }
        let mine = endpoints.values.filter { $0.containerID == request.containerID }
        guard !mine.contains(where: { networks[$0.networkID].map(reachesOutside) ?? false }) else { return }
        let bridge = try await gatewayBridge()
        let gateway = EndpointRequest(containerID: request.containerID, containerName: request.containerName,
                                      sandboxKey: request.sandboxKey, ports: request.ports)
        _ = try await connect(bridge.id, gateway)
    }

    /// After a container left a network: its gateway endpoint goes too when no overlay endpoint
    /// is left to need it.
    func detachGatewayIfUnneeded(containerID: String) async {
        let mine = endpoints.values.filter { $0.containerID == containerID }
        guard !mine.contains(where: { networks[$0.networkID].map(needsGatewayBridge) ?? false }),
              let gw = mine.first(where: { isGatewayBridge($0.networkID) }), let n = networks[gw.networkID] else { return }
        do { try await removeEndpoint(gw, network: n, force: true) } catch {
            logger.warning("cannot remove the \(Self.gatewayBridgeName) endpoint of \(gw.containerName): \(error)")
        }
    }

    private func gatewayBridge() async throws -> Network {
        if let n = try? find(Self.gatewayBridgeName), n.driver == "bridge" { return n }
        var spec = NetworkCreateSpec(name: Self.gatewayBridgeName)
        spec.options = [BridgeOptions.name: Self.gatewayBridgeName, BridgeOptions.enableICC: "false",
                        BridgeOptions.enableIPMasquerade: "true"]
        do {
            return try await create(spec)
        } catch {
            // Another overlay join made it meanwhile.
            if let n = try? find(Self.gatewayBridgeName) { return n }
            throw error
        }
    }
}
