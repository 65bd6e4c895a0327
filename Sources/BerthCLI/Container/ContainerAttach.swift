#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BerthAPI

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
                if tty { client.resizeToTerminal("/containers/\(container)") }
                session.run(stdin: stdin)
                close(session.fd)
            }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}
