import BerthAPI
import BerthCore
import Foundation

/// `/_ping`, `/version`, `/info`, and dockerd's answers for subsystems Berth does not run.
struct SystemHandlers: Sendable {
    let config: EngineConfig
    let daemonID: String
    /// Live counts for `/info`: containers (all, running, stopped) and images.
    let counts: @Sendable () async -> (containers: Int, running: Int, stopped: Int, images: Int)

    func register(_ r: inout Router) {
        r.add(["GET", "HEAD"], "/_ping") { _ in
            APIResponse(
                status: 200,
                headers: [("Content-Type", "text/plain; charset=utf-8"), ("Cache-Control", "no-cache, no-store, must-revalidate"),
                          ("Pragma", "no-cache"), ("Builder-Version", "1"), ("Swarm", "inactive")],
                body: Array("OK".utf8))
        }
        r.add(["GET"], "/version") { _ in .json(versionBody()) }
        r.add(["GET"], "/info") { _ in .json(await infoBody()) }
        let swarm = "This node is not a swarm manager. Use \"docker swarm init\" or \"docker swarm join\" to connect this node to swarm and try again."
        r.add(["GET"], "/swarm") { _ in
            .error(BerthError(.unavailable, "This node is not part of a swarm"))
        }
        for prefix in ["/swarm/{op}", "/nodes", "/nodes/{id}", "/services", "/services/{id}", "/services/create",
                       "/tasks", "/tasks/{id}", "/secrets", "/secrets/{id}", "/configs", "/configs/{id}"] {
            r.add(["GET", "POST", "DELETE"], prefix) { _ in .error(BerthError(.unavailable, swarm)) }
        }
    }

    func versionBody() -> JSONValue {
        let details: JSONValue = .obj([
            "ApiVersion": .string(APIVersion.current.description), "Arch": .string(EngineInfo.goArch),
            "BuildTime": .string(""), "Experimental": .string("false"), "GitCommit": .string(""),
            "GoVersion": .string("swift6"), "KernelVersion": .string(EngineInfo.kernelVersion),
            "MinAPIVersion": .string(APIVersion.minimum.description), "Os": .string("linux"),
        ])
        return .obj([
            "Platform": .obj(["Name": .string("Berth Engine")]),
            "Components": .array([.obj(["Name": .string("Engine"), "Version": .string(EngineInfo.version), "Details": details])]),
            "Version": .string(EngineInfo.version),
            "ApiVersion": .string(APIVersion.current.description),
            "MinAPIVersion": .string(APIVersion.minimum.description),
            "GitCommit": .string(""),
            "GoVersion": .string("swift6"),
            "Os": .string("linux"),
            "Arch": .string(EngineInfo.goArch),
            "KernelVersion": .string(EngineInfo.kernelVersion),
            "BuildTime": .string(""),
        ])
    }

    func infoBody() async -> JSONValue {
        // File reads happen on a thread Berth owns, not on the cooperative pool.
        let host = (try? await NamespaceThread.run { HostFacts.read() }) ?? HostFacts(memTotal: 0, ipForwarding: false, operatingSystem: "Linux")
        let mem = host.memTotal
        let fwd = host.ipForwarding
        let n = await counts()
        let body: JSONValue = .obj([
            "ID": .string(daemonID),
            "Containers": .int(Int64(n.containers)), "ContainersRunning": .int(Int64(n.running)),
            "ContainersPaused": .int(0), "ContainersStopped": .int(Int64(n.stopped)), "Images": .int(Int64(n.images)),
            "Driver": .string("overlay2"), "DriverStatus": .array([]),
            "Plugins": .obj([
                "Volume": .array([.string("local")]),
                "Network": .array(["bridge", "host", "ipvlan", "macvlan", "null", "overlay"].map { .string($0) }),
                "Authorization": .null, "Log": .array([.string("json-file")]),
            ]),
            "MemoryLimit": .bool(true), "SwapLimit": .bool(false), "CpuCfsPeriod": .bool(true), "CpuCfsQuota": .bool(true),
            "CPUShares": .bool(true), "CPUSet": .bool(true), "PidsLimit": .bool(true), "OomKillDisable": .bool(false),
            "IPv4Forwarding": .bool(fwd), "BridgeNfIptables": .bool(false), "BridgeNfIp6tables": .bool(false),
            "Debug": .bool(false), "NFd": .int(0), "NGoroutines": .int(0),
            "SystemTime": .string(Timestamp.now().rfc3339Nano), "LoggingDriver": .string("json-file"),
            "CgroupDriver": .string("cgroupfs"), "CgroupVersion": .string(EngineInfo.cgroupVersion), "NEventsListener": .int(0),
            "KernelVersion": .string(EngineInfo.kernelVersion), "OperatingSystem": .string(host.operatingSystem),
            "OSVersion": .string(""), "OSType": .string("linux"), "Architecture": .string(archName()),
            "IndexServerAddress": .string("https://index.docker.io/v1/"),
            "NCPU": .int(Int64(ProcessInfo.processInfo.activeProcessorCount)), "MemTotal": .int(mem),
            "DockerRootDir": .string(config.dataRoot), "HttpProxy": .string(""), "HttpsProxy": .string(""),
            "NoProxy": .string(""), "Name": .string(EngineInfo.hostname), "Labels": .array([]),
            "ExperimentalBuild": .bool(false), "ServerVersion": .string(EngineInfo.version),
            "Runtimes": .obj(["runc": .obj(["path": .string("runc")])]), "DefaultRuntime": .string("runc"),
            "Swarm": .obj([
                "NodeID": .string(""), "NodeAddr": .string(""), "LocalNodeState": .string("inactive"),
                "ControlAvailable": .bool(false), "Error": .string(""), "RemoteManagers": .null,
            ]),
            "LiveRestoreEnabled": .bool(true), "Isolation": .string(""), "InitBinary": .string(""),
            "SecurityOptions": .array([]),
            "DefaultAddressPools": .array(config.network.pools4.map { .obj(["Base": .string($0.base.description), "Size": .int(Int64($0.size))]) }),
            "Warnings": .null,
        ])
        guard let cluster = config.cluster, case .object(var members) = body,
              let at = members.firstIndex(where: { $0.key == "ServerVersion" }) else { return body }
        // dockerd 20.10's place and names for them (omitted when unset, as there).
        members.insert(contentsOf: [.init("ClusterStore", .string(cluster.store.description)),
                                    .init("ClusterAdvertise", .string(cluster.advertise))], at: at + 1)
        return .object(members)
    }

    private func archName() -> String {
        #if arch(x86_64)
        "x86_64"
        #elseif arch(arm64)
        "aarch64"
        #else
        "unknown"
        #endif
    }
}

/// What `/info` reports about the host, read from /proc and /etc in one go.
struct HostFacts: Sendable {
    var memTotal: Int64
    var ipForwarding: Bool
    var operatingSystem: String

    static func read() -> HostFacts {
        let mem = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8))?
            .split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { Int64($0.split(separator: " ").dropFirst().first ?? "") }.map { $0 * 1024 } ?? 0
        return HostFacts(
            memTotal: mem, ipForwarding: EngineInfo.procValue("/proc/sys/net/ipv4/ip_forward") == "1",
            operatingSystem: EngineInfo.operatingSystem)
    }
}
