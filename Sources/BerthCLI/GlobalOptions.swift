import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// Options every command accepts: where berthd listens.
public struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("H"), .long], help: "Daemon socket to connect to (default: $BERTH_HOST or unix:///run/berth/berth.sock).")
    public var host: String?

    public init() {}

    /// The client for the chosen daemon.
    public func client() throws -> EngineClient {
        let h = host ?? ProcessInfoLite.env("BERTH_HOST") ?? "unix:///run/berth/berth.sock"
        do { return try EngineClient(host: h) } catch { throw CLIError(error.description) }
    }
}

/// Environment lookup without Foundation.
enum ProcessInfoLite {
    static func env(_ key: String) -> String? {
        guard let p = getenv(key) else { return nil }
        let s = String(cString: p)
        return s.isEmpty ? nil : s
    }
}
