/// The error every boundary (HTTP API, CLI) speaks: a code that maps to an HTTP status
/// and a message written for the user, in dockerd's wording where Docker has one.
public struct BerthError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The kind of failure; each maps to the HTTP status dockerd uses for it.
    public enum Code: String, Sendable, Equatable {
        case invalidArgument, forbidden, notFound, conflict, unavailable, notImplemented, internalError

        /// The HTTP status code dockerd answers with for this kind of error.
        public var httpStatus: Int {
            switch self {
            case .invalidArgument: 400
            case .forbidden: 403
            case .notFound: 404
            case .conflict: 409
            case .notImplemented: 501
            case .unavailable: 503
            case .internalError: 500
            }
        }
    }

    public var code: Code
    public var message: String
    /// The lower-level error this one wraps, kept for logs; never shown instead of `message`.
    public var cause: String?

    public init(_ code: Code, _ message: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.cause = cause.map { String(describing: $0) }
    }

    public var description: String { message }

    public static func invalidArgument(_ m: String) -> BerthError { .init(.invalidArgument, m) }
    public static func forbidden(_ m: String) -> BerthError { .init(.forbidden, m) }
    public static func notFound(_ m: String) -> BerthError { .init(.notFound, m) }
    public static func conflict(_ m: String) -> BerthError { .init(.conflict, m) }
    public static func internalError(_ m: String, cause: (any Error)? = nil) -> BerthError {
        .init(.internalError, m, cause: cause)
    }

    /// Wraps any error as a `BerthError`, keeping one that already is.
    public static func wrap(_ error: any Error) -> BerthError {
        if let e = error as? BerthError { return e }
        return .internalError(String(describing: error), cause: error)
    }
}
