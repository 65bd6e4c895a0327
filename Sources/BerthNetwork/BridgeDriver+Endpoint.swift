#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthNetlink
import BerthStore

extension BridgeDriver {
    /// A veth pair whose container end is born inside the sandbox under its final name
    /// (`eth0`…), so it never appears in the daemon's namespace; the host end joins the bridge.
    public func join(_ endpoint: EndpointRecord, network: Network, sandbox: SandboxHandle, providesGateway: Bool) async throws -> EndpointRecord {
        try await netlink.createVeth(
            name: endpoint.hostInterface, peerName: endpoint.interfaceName, peerNamespaceFD: sandbox.namespaceFD, mtu: network.mtu)
        Failpoint.hit("join.after-veth")
        do {
            try await netlink.setMaster(name: endpoint.hostInterface, master: network.bridgeName)
            // A container reaching its own published port through the host: the DNATed frame
            // goes back out of the port it came in on.
            if !endpoint.ports.isEmpty { try await enableHairpin(endpoint) }
            try await netlink.setLinkUp(name: endpoint.hostInterface)
            let inside = sandbox.netlink
            if let mac = MACAddress(endpoint.macAddress) { try await inside.setMAC(name: endpoint.interfaceName, mac: mac) }
            for text in [endpoint.ipv4Address, endpoint.ipv6Address] where !text.isEmpty {
                if let cidr = CIDR(text) { try await inside.addAddress(cidr, link: endpoint.interfaceName) }
            }
            for text in endpoint.linkLocalIPs ?? [] {
                guard let ip = IPAddress(text) else { continue }
                try await inside.addAddress(CIDR(address: ip, prefixLength: ip.family == .v4 ? 16 : 64), link: endpoint.interfaceName)
            }
            try await inside.setLinkUp(name: "lo")
            try await inside.setLinkUp(name: endpoint.interfaceName)
            if providesGateway { try await takeGateway(endpoint, sandbox: sandbox) }
        } catch {
            // Deleting the host end removes its peer in the sandbox too.
            try? await netlink.deleteLink(name: endpoint.hostInterface)
            throw error
        }
        return endpoint
    }

    public func takeGateway(_ endpoint: EndpointRecord, sandbox: SandboxHandle) async throws {
        for text in [endpoint.gateway4, endpoint.gateway6] where !text.isEmpty {
            if let gw = IPAddress(text) {
                try await sandbox.netlink.addRoute(destination: nil, gateway: gw, link: endpoint.interfaceName)
            }
        }
    }

    public func enableHairpin(_ endpoint: EndpointRecord) async throws {
        try await netlink.setHairpin(name: endpoint.hostInterface, on: true)
    }

    public func leave(_ endpoint: EndpointRecord, network: Network) async throws {
        do {
            try await netlink.deleteLink(name: endpoint.hostInterface)
        } catch let e as NetlinkError where e.errno == ENODEV {
            // The sandbox went away first and took the pair with it.
        }
    }
}
