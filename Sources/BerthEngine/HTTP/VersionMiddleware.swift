import BerthAPI
import BerthCore

/// dockerd's version handling: `/v1.NN/` prefixes, the supported range, and the headers
/// every response carries.
public struct VersionMiddleware: Sendable {
    public static let serverHeader = "Berth/\(EngineInfo.version) (linux)"

    public init() {}

    /// Splits `/v1.41/networks` into version and path. Returns nil for a path that names a
    /// version malformedly (dockerd's router answers those 404).
    public static func split(_ path: String) -> (APIVersion?, String)? {
        guard path.hasPrefix("/v") else { return (nil, path) }
        let rest = path.dropFirst(2)
        let end = rest.firstIndex(of: "/") ?? rest.endIndex
        let text = rest[rest.startIndex..<end]
        guard text.first?.isNumber == true, text.allSatisfy({ $0.isNumber || $0 == "." }) else { return (nil, path) }
        guard let v = APIVersion(text) else { return nil }
        return (v, end == rest.endIndex ? "/" : String(rest[end...]))
    }

    /// The error for a version outside the supported range, nil when it is fine.
    public static func check(_ v: APIVersion) -> BerthError? {
        if v > APIVersion.current {
            return .invalidArgument("client version \(v) is too new. Maximum supported API version is \(APIVersion.current)")
        }
        if v < APIVersion.minimum {
            return .invalidArgument("client version \(v) is too old. Minimum supported API version is \(APIVersion.minimum), please upgrade your client to a newer version")
        }
        return nil
    }

    /// Headers on every response, as dockerd sends them.
    public static var commonHeaders: [(String, String)] {
        [("Api-Version", APIVersion.current.description), ("Docker-Experimental", "false"),
         ("Ostype", "linux"), ("Server", serverHeader)]
    }
}
