#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BerthAPI

/// `berth exec [-i] [-t] CONTAINER CMD…`: output and exit code as `docker exec`; with `-i` this
/// process's stdin goes to the command, with `-t` it gets a terminal.
struct ContainerExec: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "exec", abstract: "Execute a command in a running container")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("e"), .long], help: "Set environment variables.")
    var env: [String] = []
    @Flag(name: [.customShort("i"), .long], help: "Keep STDIN open.")
    var interactive = false
    @Flag(name: [.customShort("t"), .long], help: "Allocate a pseudo-TTY.")
    var tty = false
    @Argument var container: String
    @Argument(parsing: .captureForPassthrough) var command: [String] = []

    func run() throws {
        do {
            let client = try global.client()
            let created = try client.call("POST", "/containers/\(container)/exec", body: .init(.obj([
                "AttachStdout": .bool(true), "AttachStderr": .bool(true), "Tty": .bool(tty), "AttachStdin": .bool(interactive),
                "Env": .array(env.map { .string($0) }), "Cmd": .array(command.map { .string($0) }),
            ]))).check()
            guard let id = created.json?["Id"]?.stringValue else { throw CLIError("unexpected response from the daemon") }
            // Streamed as the process writes, stdin forwarded with -i, a terminal with -t.
            let body: JSONValue = .obj(["Detach": .bool(false), "Tty": .bool(tty)])
            switch try client.hijack("/exec/\(id)/start", body: body, tty: tty) {
            case let .refused(r): throw CLIError.daemon(r.errorMessage)
            case let .hijacked(session):
                if tty { client.resizeToTerminal("/exec/\(id)") }
                session.run(stdin: interactive)
                close(session.fd)
            }
            let info = try client.call("GET", "/exec/\(id)/json").check()
            if case .int(let code) = info.json?["ExitCode"] ?? .null, code != 0 { throw ExitCode(Int32(code)) }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}

/// `berth logs CONTAINER`.
struct ContainerLogs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "Fetch the logs of a container")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("n"), .long], help: "Number of lines to show from the end of the logs.")
    var tail: String?
    @Flag(name: [.customShort("t"), .long], help: "Show timestamps.")
    var timestamps = false
    @Argument var container: String

    func run() throws {
        do {
            var query = [("stdout", "1"), ("stderr", "1")]
            if let tail { query.append(("tail", tail)) }
            if timestamps { query.append(("timestamps", "1")) }
            let r = try global.client().call("GET", "/containers/\(container)/logs", query: query).check()
            if r.headers["content-type"] == "application/vnd.docker.raw-stream" {
                print(String(decoding: r.body, as: UTF8.self), terminator: "")
                return
            }
            var demux = FrameDemux()
            for frame in demux.feed(r.body) { HijackedSession.writeAll(frame.stream == 2 ? 2 : 1, frame.bytes) }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}

/// `berth inspect CONTAINER…` (containers; networks have `berth network inspect`).
struct ContainerInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Return low-level information on containers")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: "Format output using a custom template.")
    var format: String?
    @Argument var containers: [String]

    func run() throws {
        do {
            let client = try global.client()
            var found: [JSONValue] = []
            var errors: [String] = []
            for ref in containers {
                let r = try client.call("GET", "/containers/\(ref)/json")
                if (200..<300).contains(r.status), let v = r.json { found.append(v) } else { errors.append("Error: No such object: \(ref)") }
            }
            for line in try InspectFormatting.render(found, format: format) { Console.out(line) }
            if !errors.isEmpty { throw CLIError(errors.joined(separator: "\n")) }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}
