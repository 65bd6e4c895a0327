#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthNetlink
import BerthStore
import Logging

/// `overlay`: networks shared by every host of the cluster (`--cluster-store`), carried between
/// hosts by VXLAN. The network itself lives in the cluster store (`NetworkController+Global`),
/// and so do its endpoints (`OverlayPeer`); this driver checks its options and owns the kernel
/// side on this host through `OverlayFabric`: the plane made at the first local join, each
/// container's veth into it, and the entries that reach the other hosts' containers.
public struct OverlayDriver: NetworkDriver {
    public static let vxlanIDOption = "com.docker.network.driver.overlay.vxlanid_list"
    public static let encryptedOption = "encrypted"
    /// VXLAN ids Berth hands out start here, as swarm's do (classic overlay began at 256).
    public static let firstVNI = 4096
    public static let maxVNI = (1 << 24) - 1

    public let fabric: OverlayFabric

    /// A driver whose planes are namespaces under `directory`; without netlink (unit tests of
    /// the control plane) every join fails.
    public init(fabric: OverlayFabric) { self.fabric = fabric }

    public init() {
        self.init(fabric: OverlayFabric(netlink: RecordingRouteNetlink(), sandboxes: nil, directory: "/nonexistent",
                                        logger: Logger(label: "berth.overlay", factory: { _ in SwiftLogNoOpLogHandler() })))
    }

    public var name: String { "overlay" }
    public var capabilities: DriverCapabilities { DriverCapabilities(scope: "global") }
    public func validate(options: [String: String]) throws(BerthError) {
        if options[Self.encryptedOption] != nil {
            throw BerthError(.notImplemented, "encrypted overlay networks (-o encrypted) are not supported by Berth: their IPsec keys come from swarm only, and this kernel lacks the IPsec AEAD they use; create the network without -o encrypted")
        }
        if let text = options[Self.vxlanIDOption] {
            // dockerd takes a comma list (one id per subnet); Berth gives a network one id.
            guard let vni = Int(text), (1...Self.maxVNI).contains(vni) else {
                throw .invalidArgument("invalid \(Self.vxlanIDOption) \"\(text)\": give one VXLAN id from 1 to \(Self.maxVNI)")
            }
        }
        if let text = options[BridgeOptions.mtu] {
            guard let mtu = Int(text), (68...65535).contains(mtu) else {
                throw .invalidArgument("invalid \(BridgeOptions.mtu) \"\(text)\": the MTU must be from 68 to 65535")
            }
        }
    }

    /// The VXLAN id a record carries (set at create).
    public static func vni(of record: NetworkRecord) -> Int? { record.options[vxlanIDOption].flatMap { Int($0) } }

    public func create(_ network: Network) async throws {}

    public func delete(_ network: Network) async throws { await fabric.removePlane(network.id) }

    public func reconcile(_ networks: [Network]) async throws { await fabric.reconcile(networks) }

    /// Overlay containers reach only their network until a gateway bridge gives them a way out.
    public func reachesOutside(_ network: Network) -> Bool { false }
    /// Their way out is docker_gwbridge, as in dockerd; internal overlay networks have none.
    public func needsGatewayBridge(_ network: Network) -> Bool { !network.record.internalNetwork }

    /// A veth from the network's plane (made now if this host has none) into the sandbox.
    public func join(_ endpoint: EndpointRecord, network: Network, sandbox: SandboxHandle, providesGateway: Bool) async throws -> EndpointRecord {
        let plane = try await fabric.plane(for: network)
        let mtu = try await fabric.mtu(for: network)
        try await plane.netlink.createVeth(name: endpoint.hostInterface, peerName: endpoint.interfaceName, peerNamespaceFD: sandbox.namespaceFD, mtu: mtu)
        do {
            try await plane.netlink.setMaster(name: endpoint.hostInterface, master: OverlayFabric.bridge)
            try await plane.netlink.setLinkUp(name: endpoint.hostInterface)
            let inside = sandbox.netlink
            if let mac = MACAddress(endpoint.macAddress) { try await inside.setMAC(name: endpoint.interfaceName, mac: mac) }
            for text in [endpoint.ipv4Address, endpoint.ipv6Address] where !text.isEmpty {
                if let cidr = CIDR(text) { try await inside.addAddress(cidr, link: endpoint.interfaceName) }
            }
            try await inside.setLinkUp(name: "lo")
            try await inside.setLinkUp(name: endpoint.interfaceName)
        } catch {
            try? await plane.netlink.deleteLink(name: endpoint.hostInterface)
            throw error
        }
        return endpoint
    }

    public func leave(_ endpoint: EndpointRecord, network: Network) async throws {
        guard await fabric.hasPlane(network.id) else { return }
        let plane = try await fabric.plane(for: network)
        do {
            try await plane.netlink.deleteLink(name: endpoint.hostInterface)
        } catch let e as NetlinkError where e.errno == ENODEV {
            // The sandbox went away first and took the pair with it.
        }
    }

    /// After a restart: when the network's plane did not survive, makes it again and gives each
    /// running container a new interface into it (same name, addresses and MAC).
    public func resume(_ endpoints: [EndpointRecord], network: Network) async {
        let lost = await fabric.takeLost(network.id)
        let present = await fabric.hasPlane(network.id)
        guard lost || !present else { return }
        for e in endpoints {
            do {
                let sandbox = try await fabric.openSandbox(e.sandboxKey)
                defer { sandbox.close() }
                try? await sandbox.netlink.deleteLink(name: e.interfaceName)
                _ = try await join(e, network: network, sandbox: sandbox, providesGateway: false)
            } catch {
                fabric.logger.warning("overlay: cannot re-plumb \(e.containerName) into overlay network \(network.name): \(error); reconnect it")
            }
        }
    }

    public func setPeers(_ peers: [OverlayPeer], network: Network) async { await fabric.setPeers(network.id, peers) }

    public func takeGateway(_ endpoint: EndpointRecord, sandbox: SandboxHandle) async throws {}
    public func enableHairpin(_ endpoint: EndpointRecord) async throws {}
}
