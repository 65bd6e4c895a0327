import BerthCore
import BerthDHCP
import BerthStore

extension ChildLinkDriver {
    /// Leases the endpoint's IPv4 address from the LAN's DHCP server through its interface (up,
    /// without an address) and writes it into the record: address with the server's prefix,
    /// gateway the server's router. The container's name goes as its hostname (option 12).
    func leaseAddress(_ endpoint: inout EndpointRecord, sandbox: SandboxHandle) async throws -> DHCPLease {
        guard let leases else {
            throw BerthError(.notImplemented, "this daemon has no DHCP client; --ipam-driver dhcp is not available")
        }
        guard let mac = MACAddress(endpoint.macAddress) else {
            throw BerthError.internalError("endpoint \(endpoint.containerName) has no MAC address to lease an address for")
        }
        let lease: DHCPLease
        do {
            lease = try await leases.client.acquire(
                namespaceFD: sandbox.namespaceFD, interface: endpoint.interfaceName, mac: mac,
                hostname: endpoint.containerName, requested: nil)
        } catch {
            throw BerthError.internalError("cannot lease an address for \(endpoint.containerName): \(error)", cause: error)
        }
        endpoint.ipv4Address = lease.cidr.description
        endpoint.gateway4 = lease.router?.description ?? ""
        logger.info("DHCP lease", metadata: [
            "container": "\(endpoint.containerName)", "address": "\(lease.cidr)", "server": "\(lease.server)",
            "lease": "\(lease.leaseTime)s",
        ])
        return lease
    }

    /// Gives a lease back to its server (DHCPRELEASE) from the endpoint's interface.
    func releaseLease(_ lease: DHCPLease, of endpoint: EndpointRecord, sandbox: SandboxHandle) async {
        guard let leases, let mac = MACAddress(endpoint.macAddress) else { return }
        await leases.client.release(lease, namespaceFD: sandbox.namespaceFD, interface: endpoint.interfaceName, mac: mac)
    }

    /// After a restart: keeps renewing the leases of the endpoints on DHCP networks.
    public func resume(_ endpoints: [EndpointRecord], network: Network) async {
        guard network.record.ipamDriver == NetworkController.dhcpIPAM, let leases else { return }
        await leases.resume(endpoints)
    }
}
