import BerthCore
import BerthStore
import Foundation

/// An endpoint of a global network as every host sees it: what one host publishes under
/// `endpoints/<network>/<endpoint>` (on its lease) so the others can reach the container
/// (FDB and neighbour entries towards `hostAddress`) and resolve it by name.
public struct OverlayPeer: Codable, Hashable, Sendable {
    public var endpointID: String
    public var networkID: String
    public var containerID: String
    public var containerName: String
    public var aliases: [String]
    /// `10.0.0.2/24`, empty when the endpoint has none of the family.
    public var ipv4Address: String
    public var ipv6Address: String
    public var macAddress: String
    /// The daemon id of the host it runs on.
    public var hostID: String
    public var hostName: String
    /// That host's underlay address, where VXLAN frames for the container go.
    public var hostAddress: String

    enum CodingKeys: String, CodingKey {
        case endpointID = "ID", networkID = "Network", containerID = "Container", containerName = "Name"
        case aliases = "Aliases", ipv4Address = "IPv4", ipv6Address = "IPv6", macAddress = "MAC"
        case hostID = "Host", hostName = "HostName", hostAddress = "Addr"
    }

    public init(endpoint e: EndpointRecord, host: String, hostName: String, hostAddress: String) {
        endpointID = e.id
        networkID = e.networkID
        containerID = e.containerID
        containerName = e.containerName
        aliases = e.aliases
        ipv4Address = e.ipv4Address
        ipv6Address = e.ipv6Address
        macAddress = e.macAddress
        hostID = host
        self.hostName = hostName
        self.hostAddress = hostAddress
    }

    /// The JSON the store keeps.
    public var jsonBytes: [UInt8] { Array((try? JSONEncoder().encode(self)) ?? Data()) }

    /// A peer read back from the store; nil when the bytes are not one.
    public init?(jsonBytes: [UInt8]) {
        guard let p = try? JSONDecoder().decode(OverlayPeer.self, from: Data(jsonBytes)) else { return nil }
        self = p
    }

    /// The container's addresses, without prefix lengths.
    public var addresses: [IPAddress] {
        [ipv4Address, ipv6Address].compactMap { CIDR($0)?.address }
    }

    public var mac: MACAddress? { MACAddress(macAddress) }
    public var underlay: IPAddress? { IPAddress(hostAddress) }
}
