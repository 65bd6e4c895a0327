#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import BerthAPI

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
