import BerthCore
import BerthDHCP
import BerthStore
import Logging

/// Keeps the DHCP leases of a network driver's endpoints alive while berthd runs: each lease is
/// renewed with its server at T1 (half the lease), retried until it expires, and handed back
/// when the endpoint leaves. After a restart the leases are asked for again (INIT-REBOOT, the
/// same address) in the background, so the start waits for no server.
actor DHCPLeaseKeeper {
    let client: any DHCPClient
    let sandboxes: any SandboxProvider
    let logger: Logger
    private var held: [String: Held] = [:]

    struct Held {
        var lease: DHCPLease
        var endpoint: EndpointRecord
        var task: Task<Void, Never>?
    }

    init(client: any DHCPClient, sandboxes: any SandboxProvider, logger: Logger) {
        self.client = client
        self.sandboxes = sandboxes
        self.logger = logger
    }

    /// The lease an endpoint holds, if any.
    func lease(of endpointID: String) -> DHCPLease? { held[endpointID]?.lease }

    /// Starts keeping `lease` for `endpoint`.
    func keep(_ endpoint: EndpointRecord, lease: DHCPLease) {
        held[endpoint.id]?.task?.cancel()
        held[endpoint.id] = Held(lease: lease, endpoint: endpoint, task: nil)
        held[endpoint.id]?.task = Task { [weak self] in await self?.renewLoop(endpoint.id) }
    }

    /// Stops keeping an endpoint's lease and returns it (to be released while its interface exists).
    func drop(_ endpointID: String) -> DHCPLease? {
        guard let h = held.removeValue(forKey: endpointID) else { return nil }
        h.task?.cancel()
        return h.lease
    }

    /// After a restart: asks again for each endpoint's address, in the background.
    func resume(_ endpoints: [EndpointRecord]) {
        for e in endpoints where held[e.id] == nil {
            guard let cidr = CIDR(e.ipv4Address), case .v4(let address) = cidr.address, let mac = MACAddress(e.macAddress) else { continue }
            Task { [weak self] in
                guard let self else { return }
                do {
                    let sandbox = try await sandboxes.open(e.sandboxKey)
                    defer { sandbox.close() }
                    let lease = try await client.acquire(namespaceFD: sandbox.namespaceFD, interface: e.interfaceName, mac: mac,
                                                         hostname: e.containerName, requested: address)
                    if lease.address != address {
                        logger.warning("DHCP server gave \(e.containerName) another address than its interface carries", metadata: ["kept": "\(address)", "offered": "\(lease.address)"])
                    }
                    await keep(e, lease: lease)
                } catch {
                    logger.warning("cannot renew the DHCP lease of \(e.containerName) after the restart: \(error)")
                }
            }
        }
    }

    private func renewLoop(_ endpointID: String) async {
        while let h = held[endpointID], !Task.isCancelled {
            var wait = UInt64(max(1, h.lease.renewalTime))
            var expires = UInt64(h.lease.leaseTime)
            while true {
                do { try await Task.sleep(nanoseconds: wait * 1_000_000_000) } catch { return }
                guard let current = held[endpointID], let mac = MACAddress(current.endpoint.macAddress) else { return }
                do {
                    let sandbox = try await sandboxes.open(current.endpoint.sandboxKey)
                    defer { sandbox.close() }
                    let renewed = try await client.renew(current.lease, namespaceFD: sandbox.namespaceFD,
                                                         interface: current.endpoint.interfaceName, mac: mac)
                    held[endpointID]?.lease = renewed
                    logger.debug("DHCP lease renewed", metadata: ["container": "\(current.endpoint.containerName)", "address": "\(renewed.address)"])
                    break
                } catch {
                    expires = expires > wait ? expires - wait : 0
                    guard expires > 0 else {
                        logger.error("the DHCP lease of \(current.endpoint.containerName) expired: its server did not renew it (\(error))")
                        return
                    }
                    wait = min(60, max(1, expires / 2))
                    logger.warning("cannot renew the DHCP lease of \(current.endpoint.containerName), retrying in \(wait) s: \(error)")
                }
            }
        }
    }
}
