/// Where the cluster store is: `--cluster-store etcd://HOST:PORT[,HOST:PORT…][/PREFIX]`, the
/// form dockerd took (its `etcd://` scheme), with several members allowed for failover.
public struct ClusterStoreAddress: Sendable, Equatable, CustomStringConvertible {
    public struct Member: Sendable, Equatable {
        public var host: String
        public var port: Int
    }

    public var members: [Member]
    /// Every Berth key lives under this path; the default `/berth`.
    public var prefix: String
    /// The text given, for `docker info` and errors.
    public var description: String

    /// The default prefix when the address names none.
    public static let defaultPrefix = "/berth"

    /// Parses the flag's value; the error says what a valid one looks like.
    public init(parsing text: String) throws(ClusterStoreError) {
        let usage = "use etcd://HOST:PORT[,HOST:PORT...][/PREFIX], for example etcd://10.0.0.1:2379"
        let parts = text.split(separator: "://", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else {
            throw .badAddress("invalid cluster store \"\(text)\": no scheme; \(usage)")
        }
        let scheme = parts[0]
        guard scheme == "etcd" else {
            throw .badAddress("unsupported cluster store \"\(scheme)\": Berth speaks etcd v3 only; \(usage)")
        }
        var rest = parts[1]
        var path = ""
        if let slash = rest.firstIndex(of: "/") {
            path = String(rest[slash...])
            rest = rest[..<slash]
        }
        var members: [Member] = []
        for part in rest.split(separator: ",", omittingEmptySubsequences: false) {
            guard let colon = part.lastIndex(of: ":"), let port = Int(part[part.index(after: colon)...]),
                  (1...65535).contains(port), colon > part.startIndex else {
                throw .badAddress("invalid cluster store member \"\(part)\" in \"\(text)\": \(usage)")
            }
            var host = String(part[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            members.append(Member(host: host, port: port))
        }
        while path.hasSuffix("/") { path.removeLast() }
        self.members = members
        self.prefix = path.isEmpty ? Self.defaultPrefix : path
        self.description = text
    }
}
