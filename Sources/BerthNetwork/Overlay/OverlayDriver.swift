import BerthCore
import BerthStore

/// `overlay`: networks shared by every host of the cluster (`--cluster-store`), carried between
/// hosts by VXLAN. The network itself lives in the cluster store (`NetworkController+Global`);
/// this driver checks its options and owns its kernel side on this host.
///
/// Not yet: the data plane. A container joining an overlay network is refused with 501 until the
/// per-host VXLAN device, bridge and the store-fed FDB and neighbour entries exist.
public struct OverlayDriver: NetworkDriver {
    public static let vxlanIDOption = "com.docker.network.driver.overlay.vxlanid_list"
    public static let encryptedOption = "encrypted"
    /// VXLAN ids Berth hands out start here, as swarm's do (classic overlay began at 256).
    public static let firstVNI = 4096
    public static let maxVNI = (1 << 24) - 1

    public init() {}

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

    // The kernel side is made per host at the first local join (not yet: see the type's doc).
    public func create(_ network: Network) async throws {}
    public func delete(_ network: Network) async throws {}
    public func reconcile(_ networks: [Network]) async throws {}

    public func join(_ endpoint: EndpointRecord, network: Network, sandbox: SandboxHandle, providesGateway: Bool) async throws -> EndpointRecord {
        throw BerthError(.notImplemented, "containers cannot join overlay network \(network.name) yet: Berth's overlay data plane (VXLAN between hosts) is not built; networks are shared across hosts, endpoints are not")
    }

    public func leave(_ endpoint: EndpointRecord, network: Network) async throws {}
    public func takeGateway(_ endpoint: EndpointRecord, sandbox: SandboxHandle) async throws {}
    public func enableHairpin(_ endpoint: EndpointRecord) async throws {}
}
