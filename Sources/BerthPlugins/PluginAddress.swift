import BerthAPI

/// Where a legacy (v1) plugin listens: a unix socket (`/run/docker/plugins/NAME.sock`, or a
/// `unix://` URL of a spec file) or a TCP address (`tcp://HOST:PORT` of a spec file).
public enum PluginAddress: Sendable, Equatable, CustomStringConvertible {
    case unix(String)
    case tcp(host: String, port: Int)

    public var description: String {
        switch self {
        case .unix(let path): "unix://" + path
        case .tcp(let host, let port): "tcp://\(host):\(port)"
        }
    }

    /// A plugin URL as a `.spec` file or a `.json` file's `Addr` holds it. dockerd's rules: a
    /// scheme is required, and only unix and tcp are known.
    public static func parse(_ url: String) throws(PluginError) -> PluginAddress {
        let text = String(url.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        guard let range = text.firstRange(of: "://") else { throw .badSpec("Unknown protocol: \(text)") }
        let scheme = text[..<range.lowerBound].lowercased(), rest = String(text[range.upperBound...])
        switch scheme {
        case "unix":
            guard rest.hasPrefix("/") else { throw .badSpec("the unix address \(text) is not an absolute path") }
            return .unix(rest)
        case "tcp", "http":
            let hostPort = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? rest
            guard let colon = hostPort.lastIndex(of: ":"), let port = Int(hostPort[hostPort.index(after: colon)...]),
                  (1...65535).contains(port), colon > hostPort.startIndex else {
                throw .badSpec("the tcp address \(text) has no valid host:port")
            }
            return .tcp(host: String(hostPort[..<colon].filter { $0 != "[" && $0 != "]" }), port: port)
        default:
            throw .badSpec("Unknown protocol: \(text)")
        }
    }

    /// A `.json` spec file: `{"Name": …, "Addr": …, "TLSConfig": {…}}`. TLS is refused with a
    /// clear error (Berth's plugin client speaks plain HTTP).
    public static func parseJSONSpec(_ bytes: [UInt8]) throws(PluginError) -> PluginAddress {
        let doc: JSONValue
        do { doc = try JSONParser.parse(bytes) } catch { throw .badSpec("the plugin's .json file is not JSON: \(error)") }
        guard let addr = doc["Addr"]?.stringValue, !addr.isEmpty else { throw .badSpec("the plugin's .json file has no Addr") }
        if let tls = doc["TLSConfig"], !tls.isNull, tls["CAFile"]?.stringValue?.isEmpty == false || tls["CertFile"]?.stringValue?.isEmpty == false {
            throw .badSpec("TLS to plugins is not supported by Berth yet; serve the plugin on a unix socket or plain tcp")
        }
        return try parse(addr)
    }
}
