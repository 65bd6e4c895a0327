#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BerthAPI

/// The attached half of `berth run` (and `start -a`): attach, start, pump until the container's
/// output ends, then its exit status from inspect. A container still running a moment after the
/// stream ended was detached from (CTRL-p CTRL-q): status 0 and no removal, as with docker.
/// `removeAfter` removes it once exited (`run --rm`).
struct AttachedRun {
    let client: EngineClient
    let id: String
    let interactive: Bool
    let tty: Bool
    let removeAfter: Bool

    func run() throws -> Int32 {
        let query = [("stream", "1"), ("stdin", interactive ? "1" : "0"), ("stdout", "1"), ("stderr", "1")]
        guard case let .hijacked(session) = try client.hijack("/containers/\(id)/attach", query: query, tty: tty) else {
            throw CLIError("berth: Error response from daemon: cannot attach to \(id)", code: 125)
        }
        let started = try client.call("POST", "/containers/\(id)/start")
        guard (200..<300).contains(started.status) else {
            close(session.fd)
            if removeAfter { _ = try? client.call("DELETE", "/containers/\(id)", query: [("force", "1")]) }
            throw CLIError("berth: Error response from daemon: " + started.errorMessage, code: 125)
        }
        if tty { client.resizeToTerminal("/containers/\(id)") }
        session.run(stdin: interactive)
        close(session.fd)
        // The output ends as the container exits; the daemon records the exit a moment later.
        for _ in 0..<100 {
            let state = try client.call("GET", "/containers/\(id)/json").check().json?["State"]
            if state?["Running"]?.boolValue == false {
                var code: Int32 = 0
                if case .int(let c) = state?["ExitCode"] ?? .null { code = Int32(c) }
                if removeAfter { _ = try? client.call("DELETE", "/containers/\(id)", query: [("force", "1")]) }
                return code
            }
            usleep(20_000)
        }
        return 0
    }
}
