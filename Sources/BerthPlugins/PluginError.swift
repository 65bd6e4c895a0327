import BerthCore

/// What can go wrong between berthd and a plugin, with dockerd's wording where it has one.
public enum PluginError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No socket or spec file of that name in any plugin directory.
    case notFound(String)
    /// Found, but it does not implement the subsystem asked for.
    case doesNotImplement(plugin: String, subsystem: String)
    /// A spec file that cannot be used.
    case badSpec(String)
    /// No connection (refused, reset, no socket any more).
    case unreachable(plugin: String, reason: String)
    /// No reply within the call's deadline.
    case timeout(plugin: String, method: String, seconds: Double)
    /// A status other than 200: `Subsystem.Method: message`; 404 means not implemented.
    case http(method: String, status: Int, message: String)
    /// A 200 reply carrying an error (`Err` of a NetworkDriver, `Error` of an IpamDriver).
    case remote(String)
    /// A reply that is not the JSON expected.
    case malformed(method: String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let name): "plugin \"\(name)\" not found"
        case .doesNotImplement(let name, let subsystem): "legacy plugin: Plugin does not implement the requested driver (\(name) is not a \(subsystem))"
        case .badSpec(let reason): reason
        case .unreachable(let name, let reason): "plugin \(name) is not answering: \(reason); start the plugin (Berth uses it again as soon as it answers)"
        case .timeout(let name, let method, let seconds): "\(method): plugin \(name) did not answer within \(seconds.formatted2) s"
        case .http(let method, _, let message): "\(method): \(message)"
        case .remote(let message): "remote: \(message)"
        case .malformed(let method, let reason): "\(method): the plugin's reply cannot be read: \(reason)"
        }
    }

    /// As the API answers it: 404 for a plugin that is not there (or not of the kind asked
    /// for), 503 for one that does not answer, 500 for what the plugin (or its spec file) got wrong.
    public var berthError: BerthError {
        switch self {
        case .notFound, .doesNotImplement: BerthError.notFound(description)
        case .timeout, .unreachable: BerthError(.unavailable, description)
        case .badSpec, .http, .remote, .malformed: BerthError.internalError(description)
        }
    }

    /// Whether the plugin answered that it does not implement the method (404).
    public var isNotImplemented: Bool {
        if case .http(_, 404, _) = self { return true }
        return false
    }
}

extension Double {
    var formatted2: String {
        let r = (self * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
