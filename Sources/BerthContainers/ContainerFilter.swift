import BerthCore
import BerthNetwork
import BerthStore

/// The filters of `GET /containers/json`, read and applied as dockerd applies them: the values of
/// one key are OR-ed (a container passes when any matches), except `label`, whose values are all
/// required; different keys are AND-ed. docker-compose asks with two labels (project and service)
/// and relies on that AND.
public struct ContainerFilter: Sendable {
    /// What one container offers the filter beyond its record.
    public struct Facts: Sendable {
        /// `(name, id)` of each network the container is on.
        public var networks: [(name: String, id: String)]
        /// `port/proto` keys published on the host (`PublicPort/Type`).
        public var published: Set<String>
        /// `port/proto` keys of the container's ports (`PrivatePort/Type`): exposed and published.
        public var exposed: Set<String>

        public init(networks: [(name: String, id: String)] = [], published: Set<String> = [], exposed: Set<String> = []) {
            self.networks = networks
            self.published = published
            self.exposed = exposed
        }
    }

    public static let keys: Set<String> = [
        "ancestor", "before", "exited", "id", "isolation", "label", "name", "status", "health", "since", "volume",
        "network", "is-task", "publish", "expose",
    ]
    static let states = ["created", "running", "paused", "restarting", "removing", "exited", "dead"]
    static let healths = ["none", "starting", "healthy", "unhealthy"]

    let values: [String: [String]]
    let exitCodes: Set<Int32>
    let isTask: Bool?
    /// `before`/`since` as the creation instant and id of the named container.
    let before: [(created: Int64, id: String)]
    let since: [(created: Int64, id: String)]
    /// Image ids the `ancestor` values name; nil when the key is absent.
    let ancestors: Set<String>?
    let publish: Set<String>
    let expose: Set<String>

    /// Validates `values` with dockerd's messages. `before`/`since` name one of `containers` by exact
    /// id or name; `imageIDs` resolves an `ancestor` value to image ids, nil when it names none.
    public init(
        _ values: [String: [String]], containers: [ContainerRecord], imageIDs: (String) async -> Set<String>?
    ) async throws(BerthError) {
        for key in values.keys.sorted() where !Self.keys.contains(key) {
            throw .invalidArgument("invalid filter '\(key)'")
        }
        var codes = Set<Int32>()
        for v in values["exited"] ?? [] {
            guard let n = Int32(v) else { throw .invalidArgument("invalid filter 'exited=\(v)': strconv.Atoi: parsing \"\(v)\": invalid syntax") }
            codes.insert(n)
        }
        for v in values["status"] ?? [] where !Self.states.contains(v) {
            throw .invalidArgument("invalid filter 'status=\(v)': invalid value for state (\(v)): must be one of \(Self.states.joined(separator: ", "))")
        }
        var task: Bool?
        if let vals = values["is-task"] {
            let parsed = vals.map { GoBool.parse($0) }
            guard !parsed.contains(nil), Set(parsed).count <= 1 else {
                throw .invalidArgument("invalid filter 'is-task=[\(vals.joined(separator: " "))]'")
            }
            task = parsed.first ?? nil
        }
        for v in values["health"] ?? [] where !Self.healths.contains(v) {
            throw .invalidArgument("invalid filter 'health=\(v)': invalid value for health (\(v)): must be one of \(Self.healths.joined(separator: ", "))")
        }
        func instants(_ key: String) throws(BerthError) -> [(created: Int64, id: String)] {
            try (values[key] ?? []).map { v throws(BerthError) in
                let name = v.hasPrefix("/") ? String(v.dropFirst()) : v
                guard let c = containers.first(where: { $0.id == v }) ?? containers.first(where: { $0.name == name }) else { throw .notFound("No such container: \(v)") }
                return (c.created, c.id)
            }
        }
        before = try instants("before")
        since = try instants("since")
        if let refs = values["ancestor"] {
            var ids = Set<String>()
            for r in refs { ids.formUnion(await imageIDs(r) ?? []) }
            ancestors = ids
        } else {
            ancestors = nil
        }
        publish = try Self.ports(values["publish"] ?? [], key: "publish")
        expose = try Self.ports(values["expose"] ?? [], key: "expose")
        self.values = values
        exitCodes = codes
        isTask = task
    }

    /// A `status` filter or a positive `limit` lists stopped containers too, as `all` does.
    public var listsAll: Bool { values["status"] != nil }

    /// Whether `c`, with `facts`, passes every filter.
    public func matches(_ c: ContainerRecord, facts: Facts) -> Bool {
        let key = (c.created, c.id)
        if !before.allSatisfy({ key < ($0.created, $0.id) }) || !since.allSatisfy({ key > ($0.created, $0.id) }) { return false }
        if let names = values["name"], !names.contains(where: { FilterMatch.pattern($0, "/" + c.name) || FilterMatch.pattern($0, c.name) }) { return false }
        if let ids = values["id"], !ids.contains(where: { !$0.isEmpty && c.id.hasPrefix($0) }) { return false }
        // Berth runs no swarm tasks: `is-task=true` matches nothing.
        if isTask == true { return false }
        if !FilterMatch.labels(values["label"] ?? [], c.labels) { return false }
        if !exitCodes.isEmpty, c.status == .running || c.startedAt == 0 || !exitCodes.contains(c.exitCode) { return false }
        if let states = values["status"], !states.contains(c.status.rawValue) { return false }
        // No healthchecks: every container's health is `none`.
        if let h = values["health"], !h.contains("none") { return false }
        // No volumes: a `volume` filter matches no container.
        if values["volume"] != nil { return false }
        if let ancestors, !ancestors.contains(c.imageID) { return false }
        if let nets = values["network"] {
            let on = nets.contains { v in facts.networks.contains { $0.name == v || (!v.isEmpty && $0.id.hasPrefix(v)) } }
            if !on { return false }
        }
        if !publish.isEmpty || !expose.isEmpty {
            // dockerd: any published port among `publish` or any container port among `expose`.
            if publish.isDisjoint(with: facts.published) && expose.isDisjoint(with: facts.exposed) { return false }
        }
        return true
    }

    /// `80`, `80/udp`, `8000-8080/tcp` as `port/proto` keys, with dockerd's messages for the rest.
    static func ports(_ specs: [String], key: String) throws(BerthError) -> Set<String> {
        var out = Set<String>()
        for v in specs {
            if v.contains(":") { throw .invalidArgument("filter for '\(key)' should not contain ':': \(v)") }
            let parts = v.split(separator: "/", omittingEmptySubsequences: false)
            let proto = parts.count > 1 && !parts[1].isEmpty ? parts[1].lowercased() : "tcp"
            let bounds = parts[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            var numbers: [Int] = []
            for b in bounds {
                guard let n = UInt64(b) else {
                    throw .invalidArgument("error while looking up for \(key) \(v): strconv.ParseUint: parsing \"\(b)\": invalid syntax")
                }
                guard n <= 65535 else {
                    throw .invalidArgument("error while looking up for \(key) \(v): strconv.ParseUint: parsing \"\(b)\": value out of range")
                }
                numbers.append(Int(n))
            }
            let low = numbers[0], high = numbers.count > 1 ? numbers[1] : numbers[0]
            guard low <= high else { throw .invalidArgument("error while looking up for \(key) \(v): Invalid range specified for the Port: \(parts[0])") }
            for p in low...high { out.insert("\(p)/\(proto)") }
        }
        return out
    }
}
