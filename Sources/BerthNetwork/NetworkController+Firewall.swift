import BerthCore
import BerthFirewall
import BerthStore

extension NetworkController {
    /// The firewall's view of a network whose driver has the host firewall; nil for others.
    func firewallNetwork(_ n: Network) -> FirewallNetwork? {
        guard drivers[n.driver]?.capabilities.hostFirewall == true else { return nil }
        let options = n.record.options
        return FirewallNetwork(
            bridge: n.bridgeName, subnets: n.subnets.map(\.subnet),
            icc: options[BridgeOptions.enableICC].flatMap(GoBool.parse) ?? true,
            masquerade: (options[BridgeOptions.enableIPMasquerade].flatMap(GoBool.parse) ?? true) && (firewall?.settings.ipMasquerade ?? true),
            isInternal: n.record.internalNetwork)
    }

    /// Whether an endpoint's bridge port belongs in the isolated set (its network has ICC off).
    func isIsolated(_ e: EndpointRecord) -> Bool {
        let n = networks[e.networkID] ?? pendingNetworks[e.networkID]
        return n.flatMap(firewallNetwork).map { !$0.icc } ?? false
    }

    /// Every published port of every endpoint, connects in flight included.
    var publishedPorts: [PublishedPort] {
        endpoints.values.flatMap(\.ports) + pendingEndpoints.values.flatMap(\.ports)
    }

    /// Rebuilds Berth's table from the controller's state (start, or recovery). The snapshot is
    /// taken and queued without a suspension in between, so it lands in order with the changes.
    func rebuildFirewall() async throws {
        guard let firewall else { return }
        let all = Array(networks.values) + pendingNetworks.values.filter { networks[$0.id] == nil }
        let nets = all.sorted { $0.record.created < $1.record.created }.compactMap(firewallNetwork)
        let ports = publishedPorts
        let isolated = (Array(endpoints.values) + pendingEndpoints.values).filter(isIsolated).map(\.hostInterface)
        let guardForwarding = forwardingGuard
        do {
            try await firewallQueue.submit {
                try await firewall.rebuild(networks: nets, ports: ports, isolatedPorts: isolated, forwardingGuard: guardForwarding)
            }.value
        } catch {
            throw BerthError.internalError(
                "cannot program the firewall: \(error) (berthd --iptables=false runs without Berth's firewall: no isolation, NAT or published ports)",
                cause: error)
        }
    }

    /// Applies an incremental firewall change. If it fails (the table was changed behind Berth's
    /// back), rebuilds the whole table from the controller's state, then, for a change that adds
    /// what the state does not hold yet (`retry`), applies it once more.
    func changeFirewall(_ what: String, retry: Bool, _ change: @escaping @Sendable (HostFirewall) async throws -> Void) async throws {
        guard let firewall else { return }
        do {
            try await firewallQueue.submit { try await change(firewall) }.value
        } catch {
            logger.warning("firewall: \(what) failed (\(error)); rebuilding Berth's table")
            try await rebuildFirewall()
            if retry { try await firewallQueue.submit { try await change(firewall) }.value }
        }
    }

    /// Reads the ephemeral port range and takes the ports stored endpoints hold.
    func restorePorts() async {
        if let text = await NetworkNamespace.readSysctl("net.ipv4.ip_local_port_range") {
            let parts = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { Int($0) }
            if parts.count == 2, parts[0] > 0, parts[0] <= parts[1], parts[1] <= 65535 {
                portAllocator.ephemeral = parts[0]...parts[1]
            }
        }
        for e in endpoints.values where !e.ports.isEmpty {
            portAllocator.restore(e.ports, owner: e.id)
            guard let portReserver else { continue }
            for p in e.ports {
                guard let ip = p.hostAddress else { continue }
                do {
                    portSockets[e.id, default: []].append(try portReserver.reserve(p.proto, ip, p.hostPort))
                } catch {
                    logger.warning("published port \(p.hostIP):\(p.hostPort)/\(p.proto.rawValue) of \(e.containerName) is taken on the host: \(error.message)")
                }
            }
        }
    }

    /// Closes the sockets holding an endpoint's host ports.
    func releasePortSockets(_ endpointID: String) {
        guard let portReserver, let sockets = portSockets.removeValue(forKey: endpointID) else { return }
        for s in sockets { portReserver.release(s) }
    }

    /// Turns `-p`/`-P` requests into host ports for an endpoint, reserving them at once (no
    /// await). A request without host address publishes on the network's host binding address
    /// (`host_binding_ipv4`, else `0.0.0.0`) and, when the container has IPv6 here, on `::` with
    /// the same port. Throws dockerd's errors; on a throw nothing stays reserved.
    func allocatePorts(
        _ requests: [PortBindingRequest], network: Network, endpoint: EndpointRecord
    ) throws(BerthError) -> [PublishedPort] {
        let v4 = endpoint.ipv4Address.split(separator: "/").first.map(String.init)
        let v6 = endpoint.ipv6Address.split(separator: "/").first.map(String.init)
        let binding = network.record.options[BridgeOptions.hostBindingIPv4].flatMap { IPAddress($0) }
        var out: [PublishedPort] = []
        do throws(BerthError) {
            for r in requests {
                var hostIPs: [IPAddress]
                if r.hostIP.isEmpty {
                    if let binding, binding.value != 0 {
                        hostIPs = [binding]
                    } else {
                        hostIPs = (v4 == nil ? [] : [IPAddress("0.0.0.0")!]) + (v6 == nil ? [] : [IPAddress("::")!])
                    }
                } else {
                    guard let ip = IPAddress(r.hostIP) else { throw .invalidArgument("invalid IP address: \(r.hostIP)") }
                    if case .v6(let a) = ip, a.value == 1 {
                        throw .invalidArgument(
                            "cannot publish \(r.portKey) on ::1: IPv6 loopback cannot be forwarded to a container; publish on 127.0.0.1 or ::")
                    }
                    hostIPs = [ip]
                }
                guard !hostIPs.isEmpty else { continue }
                for ip in hostIPs where (ip.family == .v4 ? v4 : v6) == nil {
                    throw .invalidArgument(
                        "cannot publish \(r.portKey) on \(ip): container \(endpoint.containerName) has no IPv\(ip.family == .v4 ? 4 : 6) address on network \(network.name)")
                }
                let port = try takePort(r, hostIPs: hostIPs, endpointID: endpoint.id)
                for ip in hostIPs {
                    out.append(PublishedPort(
                        proto: r.proto, hostIP: ip.description, hostPort: port,
                        containerIP: (ip.family == .v4 ? v4 : v6) ?? "", containerPort: r.containerPort))
                }
            }
        } catch {
            portAllocator.release(owner: endpoint.id)
            releasePortSockets(endpoint.id)
            if error.code == .internalError {
                throw BerthError.internalError(
                    "driver failed programming external connectivity on endpoint \(endpoint.containerName) (\(endpoint.id)): \(error.message)")
            }
            throw error
        }
        return out
    }

    /// Books a host port for one request and binds it on every host address. A port a host
    /// process holds is skipped when the request leaves the choice to Berth (a range or none),
    /// and refused with docker-proxy's message when it names that port.
    func takePort(_ r: PortBindingRequest, hostIPs: [IPAddress], endpointID: String) throws(BerthError) -> Int {
        let busyOwner = "host-busy:" + endpointID
        defer { portAllocator.release(owner: busyOwner) }
        for _ in 0..<32 {
            let port = try portAllocator.allocate(proto: r.proto, hostIPs: hostIPs, range: r.hostPortRange, owner: endpointID)
            guard let portReserver else { return port }
            var sockets: [Int32] = []
            var failure: PortReservationError?
            for ip in hostIPs {
                do { sockets.append(try portReserver.reserve(r.proto, ip, port)) } catch { failure = error; break }
            }
            guard let failure else {
                portSockets[endpointID, default: []] += sockets
                return port
            }
            for s in sockets { portReserver.release(s) }
            portAllocator.release(port, proto: r.proto, hostIPs: hostIPs, owner: endpointID)
            if r.hostPortRange?.count == 1 { throw .internalError(failure.message) }
            // Skip it for the rest of this search.
            portAllocator.restore(hostIPs.map {
                PublishedPort(proto: r.proto, hostIP: $0.description, hostPort: port, containerIP: "", containerPort: 0)
            }, owner: busyOwner)
        }
        throw .internalError("no free host port for \(r.portKey): the ports tried are in use on the host")
    }
}
