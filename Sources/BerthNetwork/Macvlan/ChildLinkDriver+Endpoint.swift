#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthDHCP
import BerthNetlink
import BerthStore

extension ChildLinkDriver {
    /// ipvlan children share the parent's MAC: a `--mac-address` is refused in dockerd's words
    /// and the record keeps none. In l3/l3s modes the endpoint has no gateway (inspect shows
    /// none, as dockerd), its default route goes out of the interface.
    public func prepareEndpoint(_ endpoint: inout EndpointRecord, request: EndpointRequest, network: Network) throws(BerthError) {
        guard !flavor.ownMAC else { return }
        if let mac = request.macAddress, !mac.isEmpty {
            throw .invalidArgument("\(name) interfaces do not support custom mac address assignment")
        }
        endpoint.macAddress = ""
        if flavor.routesOnLink(network.record.options) {
            endpoint.gateway4 = ""
            endpoint.gateway6 = ""
        }
    }

    public func join(_ endpoint: EndpointRecord, network: Network, sandbox: SandboxHandle, providesGateway: Bool) async throws -> EndpointRecord {
        let kind = try flavor.kind(network.record.options)
        // Derived from the options, no link dump per join: create made sure the parent exists.
        let parent = parentName(network)
        do {
            try await netlink.createChild(
                name: endpoint.interfaceName, parent: parent, kind: kind, namespaceFD: sandbox.namespaceFD,
                mac: flavor.ownMAC ? MACAddress(endpoint.macAddress) : nil)
        } catch let e as NetlinkError {
            if e.errno == ENODEV { throw BerthError.notFound("the requested parent interface \(parent) was not found on the Docker host") }
            if let errno = e.errno, let refusal = flavor.childRefusal(errno, parent: parent) { throw refusal }
            throw BerthError.internalError("failed to create the \(name) port: \(e)", cause: e)
        } catch {
            throw BerthError.internalError("failed to create the \(name) port: \(error)", cause: error)
        }
        let inside = sandbox.netlink
        var joined = endpoint
        var lease: DHCPLease?
        do {
            try await inside.setLinkUp(name: "lo")
            try await inside.setLinkUp(name: endpoint.interfaceName)
            if network.record.ipamDriver == NetworkController.dhcpIPAM {
                lease = try await leaseAddress(&joined, sandbox: sandbox)
            }
            for text in [joined.ipv4Address, joined.ipv6Address] where !text.isEmpty {
                if let cidr = CIDR(text) { try await inside.addAddress(cidr, link: endpoint.interfaceName) }
            }
            if providesGateway && reachesOutside(network) { try await takeGateway(joined, sandbox: sandbox) }
            try await shimRoute(joined, network: network, add: true)
        } catch {
            try? await shimRoute(joined, network: network, add: false)
            if let lease { await releaseLease(lease, of: joined, sandbox: sandbox) }
            try? await inside.deleteLink(name: endpoint.interfaceName)
            throw error
        }
        if let lease { await leases?.keep(joined, lease: lease) }
        return joined
    }

    /// The child lives only in the sandbox: it goes with it, or is deleted there.
    public func leave(_ endpoint: EndpointRecord, network: Network) async throws {
        try? await shimRoute(endpoint, network: network, add: false)
        let lease = await leases?.drop(endpoint.id)
        guard let sandboxes, let sandbox = try? await sandboxes.open(endpoint.sandboxKey) else { return }
        defer { sandbox.close() }
        // Given back while the interface still exists to send it from.
        if let lease { await releaseLease(lease, of: endpoint, sandbox: sandbox) }
        do { try await sandbox.netlink.deleteLink(name: endpoint.interfaceName) } catch let e as NetlinkError where e.errno == ENODEV {}
    }

    /// The default route via the endpoint's gateway; for an ipvlan address without one (l3 and
    /// l3s, see `prepareEndpoint`) out of the interface itself, `default dev eth0`.
    public func takeGateway(_ endpoint: EndpointRecord, sandbox: SandboxHandle) async throws {
        let families: [(address: String, gateway: String, any: String)] = [
            (endpoint.ipv4Address, endpoint.gateway4, "0.0.0.0/0"), (endpoint.ipv6Address, endpoint.gateway6, "::/0"),
        ]
        for f in families where !f.address.isEmpty {
            if let gw = IPAddress(f.gateway) {
                try await sandbox.netlink.addRoute(destination: nil, gateway: gw, link: endpoint.interfaceName)
            } else if f.gateway.isEmpty && !flavor.ownMAC, let any = CIDR(f.any) {
                do {
                    try await sandbox.netlink.addRoute(destination: any, gateway: nil, link: endpoint.interfaceName)
                } catch {
                    throw BerthError.internalError("failed to set an ipvlan l3/l3s mode \(f.any == "::/0" ? "ipv6" : "ipv4") default gateway: \(error)", cause: error)
                }
            }
        }
    }

    public func enableHairpin(_ endpoint: EndpointRecord) async throws {}
}
