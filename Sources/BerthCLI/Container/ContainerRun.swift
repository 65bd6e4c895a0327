import ArgumentParser
import BerthAPI

/// `berth run`: create and start a container; without `-d`, attached to it first (so no output is
/// missed), with this process's stdin (`-i`) and terminal (`-t`), exiting with its status.
struct ContainerRun: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Create and run a new container from an image")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("d"), .long], help: "Run container in background and print container ID.")
    var detach = false
    @OptionGroup var options: ContainerCreateOptions
    @Argument(help: "Image.")
    var image: String
    @Argument(parsing: .captureForPassthrough, help: "Command and arguments.")
    var command: [String] = []

    func run() throws {
        do {
            let client = try global.client()
            let id = try options.create(client: client, image: image, command: command, attached: !detach, code: 125)
            guard !detach else {
                let started = try client.call("POST", "/containers/\(id)/start")
                Console.out(id)
                guard (200..<300).contains(started.status) else {
                    throw CLIError("berth: Error response from daemon: " + started.errorMessage, code: 125)
                }
                return
            }
            let code = try AttachedRun(client: client, id: id, interactive: options.interactive, tty: options.tty, removeAfter: options.rm).run()
            if code != 0 { throw ExitCode(code) }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}
