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
        if tty, let size = Terminal.size() {
            _ = try? client.call("POST", "/containers/\(id)/resize", query: [("h", "\(size.rows)"), ("w", "\(size.cols)")])
        }
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

/// `berth attach CONTAINER`: the container's output, and this terminal's input when it was started
/// with `-i`; CTRL-p CTRL-q detaches and leaves it running.
struct ContainerAttach: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "attach", abstract: "Attach local standard input, output, and error streams to a running container")
    @OptionGroup var global: GlobalOptions
    @Argument var container: String

    func run() throws {
        do {
            let client = try global.client()
            let info = try client.call("GET", "/containers/\(container)/json").check()
            guard info.json?["State"]?["Running"]?.boolValue == true else {
                throw CLIError("You cannot attach to a stopped container, start it first")
            }
            let tty = info.json?["Config"]?["Tty"]?.boolValue ?? false
            let stdin = info.json?["Config"]?["OpenStdin"]?.boolValue ?? false
            let query = [("stream", "1"), ("stdin", stdin ? "1" : "0"), ("stdout", "1"), ("stderr", "1")]
            switch try client.hijack("/containers/\(container)/attach", query: query, tty: tty) {
            case let .refused(r): throw CLIError.daemon(r.errorMessage)
            case let .hijacked(session):
                if tty, let size = Terminal.size() {
                    _ = try? client.call("POST", "/containers/\(container)/resize", query: [("h", "\(size.rows)"), ("w", "\(size.cols)")])
                }
                session.run(stdin: stdin)
                close(session.fd)
            }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}

/// `berth start [-a] [-i] CONTAINER...`: starts containers; with `-a`, attached to one as `run` is.
struct ContainerStart: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start one or more stopped containers")
    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("a"), .long], help: "Attach STDOUT/STDERR and forward signals.")
    var attach = false
    @Flag(name: [.customShort("i"), .long], help: "Attach container's STDIN.")
    var interactive = false
    @Argument var containers: [String]

    func run() throws {
        do {
            let client = try global.client()
            if attach || interactive {
                guard containers.count == 1 else { throw CLIError("you cannot start and attach multiple containers at once") }
                let info = try client.call("GET", "/containers/\(containers[0])/json").check()
                guard let id = info.json?["Id"]?.stringValue else { throw CLIError("unexpected response from the daemon") }
                let code = try AttachedRun(
                    client: client, id: id, interactive: interactive && info.json?["Config"]?["OpenStdin"]?.boolValue == true,
                    tty: info.json?["Config"]?["Tty"]?.boolValue ?? false, removeAfter: false).run()
                if code != 0 { throw ExitCode(code) }
                return
            }
            var failed = false
            for ref in containers {
                let r = try client.call("POST", "/containers/\(ref)/start")
                if (200..<300).contains(r.status) || r.status == 304 { Console.out(ref) } else {
                    Console.err("Error response from daemon: \(r.errorMessage)")
                    failed = true
                }
            }
            if failed { throw CLIError("Error: failed to start containers: \(containers.joined(separator: ", "))") }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}
