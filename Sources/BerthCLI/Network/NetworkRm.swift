import ArgumentParser

/// `berth network rm`: removes each network, reporting failures and going on with the rest.
struct NetworkRm: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more networks", aliases: ["remove"])

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Do not error if the network does not exist.")
    var force = false
    @Argument(help: "Network names or ids.")
    var networks: [String]

    func validate() throws {
        guard !networks.isEmpty else { throw ValidationError("\"berth network rm\" requires at least 1 argument.") }
    }

    func run() throws {
        do {
            let client = try global.client()
            var failed = false
            for ref in networks {
                let resp = try client.call("DELETE", "/networks/" + ref)
                if (200..<300).contains(resp.status) {
                    Console.out(ref)
                } else if force && resp.status == 404 {
                    continue
                } else {
                    Console.err("Error response from daemon: " + resp.errorMessage)
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}
