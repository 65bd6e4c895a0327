import ArgumentParser
import BerthAPI
import BerthCore

/// `berth network ls`: the docker CLI's columns, filters, `--format`, `-q`, `--no-trunc`.
struct NetworkLs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ls", abstract: "List networks", aliases: ["list"])

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("f"), .long], help: "Provide filter values (e.g. 'driver=bridge').")
    var filter: [String] = []
    @Option(help: "Format output using a custom template: 'table', 'table TEMPLATE', 'json', or a Go template.")
    var format: String?
    @Flag(name: .customLong("no-trunc"), help: "Do not truncate the output.")
    var noTrunc = false
    @Flag(name: [.customShort("q"), .long], help: "Only display network IDs.")
    var quiet = false

    func run() throws {
        do {
            let filters = try Filters.parse(flags: filter, name: "-f, --filter")
            let client = try global.client()
            var query: [(String, String)] = []
            if !filters.isEmpty { query.append(("filters", filters.json)) }
            let resp = try client.call("GET", "/networks", query: query).check()
            guard let items = resp.json?.arrayValue else { throw CLIError("unexpected response from the daemon: expected a list of networks") }
            let sorted = items.sorted { ($0["Name"]?.stringValue ?? "") < ($1["Name"]?.stringValue ?? "") }
            let lines = try NetworkFormatting.list(sorted, format: format, quiet: quiet, noTrunc: noTrunc)
            for l in lines { Console.out(l) }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}
