import ArgumentParser
import BerthAPI
#if canImport(Glibc)
import Glibc
#endif

/// `berth network prune`: removes custom networks that no container uses.
struct NetworkPrune: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prune", abstract: "Remove all unused networks")

    @OptionGroup var global: GlobalOptions
    @Option(name: .long, help: "Provide filter values (e.g. 'until=<timestamp>').")
    var filter: [String] = []
    @Flag(name: [.customShort("f"), .long], help: "Do not prompt for confirmation.")
    var force = false

    func run() throws {
        do {
            if !force {
                print("WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue? [y/N] ", terminator: "")
                fflush(nil)
                let answer = readLine() ?? ""
                guard answer.lowercased() == "y" || answer.lowercased() == "yes" else { return }
            }
            let filters = try Filters.parse(flags: filter, name: "--filter")
            let client = try global.client()
            let resp = try client.call("POST", "/networks/prune", query: filters.isEmpty ? [] : [("filters", filters.json)]).check()
            let deleted = resp.json?["NetworksDeleted"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if !deleted.isEmpty {
                Console.out("Deleted Networks:")
                for d in deleted { Console.out(d) }
            }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}
