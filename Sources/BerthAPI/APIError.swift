import BerthCore

/// Errors in reading a request, before any service is involved.
public enum APIError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidParameter(String)

    public var description: String {
        switch self {
        case .invalidParameter(let m): m
        }
    }

    public var berthError: BerthError { .invalidArgument(description) }
}
