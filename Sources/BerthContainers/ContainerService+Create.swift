import BerthCore
import BerthImage
import BerthStore

extension ContainerService {
    /// Creates a container: resolves the image, checks the name, records the root filesystem.
    /// Networks are checked at start, as dockerd 20.10 does.
    public func create(_ spec: ContainerCreateSpec) async throws -> ContainerRecord {
        let taken = Set(containers.values.map(\.name)).union(pendingNames)
        let name: String
        if let requested = spec.name, !requested.isEmpty {
            let bare = requested.hasPrefix("/") ? String(requested.dropFirst()) : requested
            guard ContainerNames.isValid(bare) else {
                throw BerthError.invalidArgument("Invalid container name (\(requested)), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
            }
            if let other = containers.values.first(where: { $0.name == bare }) {
                throw BerthError.conflict("Conflict. The container name \"/\(bare)\" is already in use by container \"\(other.id)\". You have to remove (or rename) that container to be able to reuse that name.")
            }
            guard !pendingNames.contains(bare) else {
                throw BerthError.conflict("Conflict. The container name \"/\(bare)\" is already in use. You have to remove (or rename) that container to be able to reuse that name.")
            }
            name = bare
        } else {
            name = ContainerNames.random(avoiding: taken)
        }
        let mode = spec.networkMode.isEmpty || spec.networkMode == "default" ? "bridge" : spec.networkMode
        var networkMode = mode
        var joinedHostname: String?
        if mode.hasPrefix("container:") {
            // Join another container's sandbox: it owns the interfaces, hostname and /etc files.
            let target = try find(String(mode.dropFirst("container:".count)))
            if !spec.hostname.isEmpty { throw BerthError.invalidArgument("conflicting options: hostname and the network mode") }
            if !spec.dns.isEmpty || !spec.dnsSearch.isEmpty || !spec.dnsOptions.isEmpty {
                throw BerthError.invalidArgument("conflicting options: dns and the network mode")
            }
            if !spec.extraHosts.isEmpty { throw BerthError.invalidArgument("conflicting options: custom host-to-IP mapping and the network mode") }
            if spec.macAddress != nil || spec.endpoints.contains(where: { $0.macAddress != nil }) {
                throw BerthError.invalidArgument("conflicting options: mac-address and the network mode")
            }
            if !spec.portBindings.isEmpty || spec.publishAllPorts {
                throw BerthError.invalidArgument("conflicting options: port publishing and the container type network mode")
            }
            networkMode = "container:" + target.id
            joinedHostname = target.hostname
        }
        if mode == "host", spec.macAddress != nil {
            throw BerthError.invalidArgument("conflicting options: mac-address and the network mode")
        }
        for mac in [spec.macAddress] + spec.endpoints.map(\.macAddress) {
            if let mac, MACAddress(mac) == nil { throw BerthError.invalidArgument("invalid MAC address \(mac)") }
        }
        for e in spec.endpoints {
            try Self.validateLinkLocalIPs(e.linkLocalIPs)
            for link in e.links ?? [] { _ = try LegacyLinks.parse(link) }
        }
        // dockerd's floor: below 6 MB a container cannot even start its runtime.
        if spec.memory != 0 && spec.memory < 6 * 1024 * 1024 {
            throw BerthError.invalidArgument("Minimum memory limit allowed is 6MB")
        }
        try Self.validateExtraHosts(spec.extraHosts)
        let links = try validateLinks(spec.links, defaultBridge: mode == "bridge")
        var exposed = Set<String>()
        for p in spec.exposedPorts {
            guard let ports = LegacyLinks.normalizePorts(p) else {
                throw BerthError.invalidArgument("invalid port specification: \"\(p)\"")
            }
            exposed.formUnion(ports)
        }
        pendingNames.insert(name)
        defer { pendingNames.remove(name) }

        let image = try await images.image(spec.image)
        let run = image.runConfig
        let id = Identifier.random()
        let hostname = joinedHostname ?? (spec.hostname.isEmpty ? (mode == "host" ? "" : Identifier.short(id)) : spec.hostname)
        var record = ContainerRecord(
            id: id, name: name, created: Timestamp.now().nanoseconds, imageReference: spec.image, imageID: image.id,
            hostname: hostname, domainname: spec.domainname, user: spec.user.isEmpty ? run.user : spec.user,
            env: Self.mergeEnv(image: run.env ?? [], container: spec.env),
            cmd: spec.cmd ?? (spec.entrypoint == nil ? run.cmd ?? [] : []),
            entrypoint: spec.entrypoint ?? run.entrypoint ?? [],
            workingDir: spec.workingDir.isEmpty ? run.workingDir : spec.workingDir,
            tty: spec.tty, openStdin: spec.openStdin, labels: spec.labels, networkMode: networkMode,
            autoRemove: spec.autoRemove, dns: spec.dns, dnsSearch: spec.dnsSearch, dnsOptions: spec.dnsOptions,
            extraHosts: spec.extraHosts)
        record.links = links
        record.stdinOnce = spec.stdinOnce && spec.openStdin
        record.attachStreams = spec.attach.contains(true) ? spec.attach : nil
        record.consoleSize = spec.tty ? spec.consoleSize : nil
        record.memoryLimit = spec.memory > 0 ? spec.memory : nil
        for p in run.exposedPorts ?? [] { exposed.formUnion(LegacyLinks.normalizePorts(p) ?? []) }
        // A published port is an exposed one too (the docker CLI adds it; API clients may not).
        for b in spec.portBindings { exposed.formUnion(LegacyLinks.normalizePorts(b.portKey) ?? []) }
        // Kept for inspect also in host mode, where dockerd programs none (the CLI warns): a
        // host-mode container joins no network, so nothing publishes them.
        record.portBindings = spec.portBindings
        record.publishAllPorts = spec.publishAllPorts
        record.exposedPorts = LegacyLinks.sorted(Array(exposed)).map { "\($0.port)/\($0.proto)" }
        if record.path.isEmpty {
            throw BerthError.invalidArgument("No command specified")
        }
        switch mode {
        case "host", "none": record.networks = []
        case _ where networkMode.hasPrefix("container:"): record.networks = []
        default:
            // The docker CLI names the default network "default" in EndpointsConfig too.
            let endpoints = spec.endpoints.map { e in
                var e = e
                if e.network == "default" { e.network = "bridge" }
                return e
            }
            var first = endpoints.first { $0.network == mode } ?? .init(network: mode)
            if let mac = spec.macAddress {
                if let own = first.macAddress, own.lowercased() != mac.lowercased() {
                    throw BerthError.invalidArgument("the container-wide MAC address must match the endpoint-specific MAC address for the main network, or be left empty")
                }
                first.macAddress = mac
            }
            record.networks = [first] + endpoints.filter { $0.network != mode }
        }
        _ = try await rootfs.create(containerID: id, image: image)
        Failpoint.hit("create.after-rootfs")
        do {
            try await store.saveContainer(record)
        } catch {
            try? await rootfs.remove(containerID: id)
            throw BerthError.internalError("cannot save container \(name): \(error)", cause: error)
        }
        containers[id] = record
        logger.info("container created", metadata: ["name": "\(name)", "id": "\(Identifier.short(id))"])
        publish("create", record)
        return record
    }

    /// The image's environment overlaid with the container's (same key: the container wins).
    static func mergeEnv(image: [String], container: [String]) -> [String] {
        func key(_ kv: String) -> Substring { kv.split(separator: "=", maxSplits: 1).first ?? Substring(kv) }
        var out = image
        for kv in container {
            if let i = out.firstIndex(where: { key($0) == key(kv) }) { out[i] = kv } else { out.append(kv) }
        }
        if !out.contains(where: { key($0) == "PATH" }) {
            out.insert("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", at: 0)
        }
        return out
    }

    /// `--link-local-ip` values must be link-local unicast addresses (169.254.0.0/16, fe80::/10).
    static func validateLinkLocalIPs(_ ips: [String]?) throws {
        for text in ips ?? [] {
            guard let ip = IPAddress(text), ip.isLinkLocalUnicast else {
                throw BerthError.invalidArgument("invalid link-local IP address: \(text)")
            }
        }
    }
}
