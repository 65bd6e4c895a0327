import BerthCore

/// The body of `POST /containers/create`, read as dockerd reads it (keys case-insensitive,
/// unknown keys ignored, `Cmd`/`Entrypoint` as a list or a single string).
public struct ContainerCreateRequest: Equatable, Sendable {
    public struct Endpoint: Equatable, Sendable {
        public var network: String
        public var ipv4: String?
        public var ipv6: String?
        public var aliases: [String]
        public var macAddress: String?
        public var links: [String]? = nil
        public var driverOpts: [String: String]? = nil
        public var linkLocalIPs: [String]? = nil
    }

    public var image: String
    public var cmd: [String]?
    public var entrypoint: [String]?
    public var env: [String]
    public var hostname: String
    public var domainname: String
    public var user: String
    public var workingDir: String
    public var tty: Bool
    public var openStdin: Bool
    public var stdinOnce: Bool
    /// `HostConfig.Memory` in bytes; 0 for no limit.
    public var memory: Int64 = 0
    /// `AttachStdin`, `AttachStdout`, `AttachStderr`.
    public var attach: [Bool] = [false, false, false]
    /// `HostConfig.ConsoleSize`: the client terminal's [height, width] for `-t` (API 1.42+).
    public var consoleSize: [Int]?
    public var labels: [String: String]
    public var macAddress: String?
    public var networkMode: String
    public var autoRemove: Bool
    public var dns: [String]
    public var dnsSearch: [String]
    public var dnsOptions: [String]
    public var extraHosts: [String]
    /// `HostConfig.Links`: `name:alias` (or dockerd's stored `/name:/container/alias`).
    public var links: [String]
    /// `Config.ExposedPorts` keys (`80/tcp`, `53/udp`, `8080`).
    public var exposedPorts: [String]
    /// `NetworkingConfig.EndpointsConfig`, in the order given.
    public var endpoints: [Endpoint]
    /// `HostConfig.PortBindings`, one entry per binding, keys in the order given.
    public var portBindings: [PortBindingRequest]
    /// `HostConfig.PublishAllPorts`.
    public var publishAllPorts: Bool

    public init(json: JSONValue) throws(APIError) {
        guard json.members != nil else { throw .invalidParameter("invalid JSON body: expected an object, got \(json.typeName)") }
        let r = FieldReader(json, path: "")
        image = try r.string("Image") ?? ""
        cmd = try r.stringList("Cmd")
        entrypoint = try r.stringList("Entrypoint")
        env = try r.stringList("Env") ?? []
        hostname = try r.string("Hostname") ?? ""
        domainname = try r.string("Domainname") ?? ""
        user = try r.string("User") ?? ""
        workingDir = try r.string("WorkingDir") ?? ""
        tty = try r.bool("Tty") ?? false
        openStdin = try r.bool("OpenStdin") ?? false
        stdinOnce = try r.bool("StdinOnce") ?? false
        attach = [try r.bool("AttachStdin") ?? false, try r.bool("AttachStdout") ?? false, try r.bool("AttachStderr") ?? false]
        labels = try r.stringMap("Labels") ?? [:]
        macAddress = try r.string("MacAddress").flatMap { $0.isEmpty ? nil : $0 }
        let host = json["HostConfig"].flatMap { $0 == .null ? nil : $0 } ?? .object([])
        guard host.members != nil else {
            throw .invalidParameter("json: cannot unmarshal \(host.typeName) into field HostConfig of type container.HostConfig")
        }
        switch host["Memory"] {
        case nil, .null?: memory = 0
        case .int(let n)?: memory = n
        case .double(let d)?: throw .invalidParameter("json: cannot unmarshal number \(d) into field HostConfig.Memory of type int64")
        case let other?: throw .invalidParameter("json: cannot unmarshal \(other.typeName) into field HostConfig.Memory of type int64")
        }
        let h = FieldReader(host, path: "HostConfig")
        networkMode = try h.string("NetworkMode") ?? ""
        autoRemove = try h.bool("AutoRemove") ?? false
        dns = try h.stringList("Dns") ?? []
        dnsSearch = try h.stringList("DnsSearch") ?? []
        dnsOptions = try h.stringList("DnsOptions") ?? []
        extraHosts = try h.stringList("ExtraHosts") ?? []
        links = try h.stringList("Links") ?? []
        if let size = host["ConsoleSize"]?.arrayValue {
            let numbers = size.compactMap { v -> Int? in if case let .int(n) = v { return Int(n) } else { return nil } }
            consoleSize = numbers.count == 2 && numbers.allSatisfy({ $0 >= 0 }) ? numbers : nil
        } else {
            consoleSize = nil
        }
        publishAllPorts = try h.bool("PublishAllPorts") ?? false
        portBindings = try Self.portBindings(host["PortBindings"])
        if let ports = json["ExposedPorts"], ports != .null {
            guard let members = ports.members else {
                throw .invalidParameter("json: cannot unmarshal \(ports.typeName) into field ExposedPorts of type nat.PortSet")
            }
            exposedPorts = members.map(\.key)
        } else {
            exposedPorts = []
        }
        endpoints = []
        if let nc = json["NetworkingConfig"], let ec = nc["EndpointsConfig"], let members = ec.members {
            for m in members where m.value != .null {
                let e = FieldReader(m.value, path: "NetworkingConfig.EndpointsConfig.\(m.key)")
                let ipam = m.value["IPAMConfig"].flatMap { $0 == .null ? nil : FieldReader($0, path: "IPAMConfig") }
                endpoints.append(Endpoint(
                    network: m.key,
                    ipv4: try ipam?.string("IPv4Address").flatMap { $0.isEmpty ? nil : $0 },
                    ipv6: try ipam?.string("IPv6Address").flatMap { $0.isEmpty ? nil : $0 },
                    aliases: try e.stringList("Aliases") ?? [],
                    macAddress: try e.string("MacAddress").flatMap { $0.isEmpty ? nil : $0 },
                    links: try e.stringList("Links"), driverOpts: try e.stringMap("DriverOpts"),
                    linkLocalIPs: try ipam?.stringList("LinkLocalIPs")))
            }
        }
    }
}

extension ContainerCreateRequest {
    /// `{"80/tcp": [{"HostIp": "", "HostPort": "8080"}]}`, checked as dockerd checks it.
    static func portBindings(_ value: JSONValue?) throws(APIError) -> [PortBindingRequest] {
        guard let value, value != .null else { return [] }
        guard let members = value.members else {
            throw .invalidParameter("json: cannot unmarshal \(value.typeName) into field PortBindings of type nat.PortMap")
        }
        var out: [PortBindingRequest] = []
        for m in members {
            let key: (port: Int, proto: PortProtocol)
            do { key = try PortSpec.key(m.key) } catch { throw .invalidParameter(error.message) }
            guard m.value != .null else { continue }
            guard let items = m.value.arrayValue else {
                throw .invalidParameter("json: cannot unmarshal \(m.value.typeName) into field PortBindings of type []nat.PortBinding")
            }
            for item in items {
                let b = FieldReader(item, path: "PortBindings")
                let hostIP = try b.string("HostIp") ?? ""
                let hostPort = try b.string("HostPort") ?? ""
                if !hostIP.isEmpty && IPAddress(hostIP) == nil { throw .invalidParameter("invalid IP address: \(hostIP)") }
                do { try PortSpec.validateHostPort(hostPort) } catch { throw .invalidParameter(error.message) }
                out.append(PortBindingRequest(containerPort: key.port, proto: key.proto, hostIP: hostIP, hostPort: hostPort))
            }
        }
        return out
    }
}

extension FieldReader {
    /// A list of strings, or a single string as one element (Go's `strslice.StrSlice`).
    func stringList(_ k: String) throws(APIError) -> [String]? {
        guard let v = json[k], v != .null else { return nil }
        if let s = v.stringValue { return [s] }
        guard let items = v.arrayValue else { throw .invalidParameter("json: cannot unmarshal \(v.typeName) into field \(k) of type []string") }
        return try items.map { item throws(APIError) in
            guard let s = item.stringValue else { throw .invalidParameter("json: cannot unmarshal \(item.typeName) into field \(k) of type string") }
            return s
        }
    }
}

