import ArgumentParser
import BerthAPI

/// `berth network inspect`: indented JSON of each network, or a `--format` template per network.
struct NetworkInspect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Display detailed information on one or more networks")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: "Format output using a custom template: 'json' or a Go template.")
    var format: String?
    @Flag(name: [.customShort("v"), .long], help: "Verbose output for diagnostics.")
    var verbose = false
    @Argument(help: "Network names or ids.")
    var networks: [String]

    func validate() throws {
        guard !networks.isEmpty else { throw ValidationError("\"berth network inspect\" requires at least 1 argument.") }
    }

    func run() throws {
        do {
            let client = try global.client()
            var found: [JSONValue] = []
            var errors: [String] = []
            for ref in networks {
                let resp = try client.call("GET", "/networks/" + ref, query: verbose ? [("verbose", "true")] : [])
                if (200..<300).contains(resp.status), let v = resp.json {
                    found.append(v)
                } else {
                    errors.append("Error response from daemon: " + resp.errorMessage)
                }
            }
            for l in try InspectFormatting.render(found, format: format) { Console.out(l) }
            if !errors.isEmpty { throw CLIError(errors.joined(separator: "\n")) }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}
