import ArgumentParser
import BerthAPI

/// `berth version`: client and server versions.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Show the Berth version information")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        Console.out("Client:\n API version:  \(APIVersion.current)")
        do {
            let resp = try global.client().call("GET", "/version").check()
            let v = resp.json
            Console.out("\nServer:\n Engine:\n  Version:      \(v?["Version"]?.stringValue ?? "")\n  API version:  \(v?["ApiVersion"]?.stringValue ?? "") (minimum version \(v?["MinAPIVersion"]?.stringValue ?? ""))\n  OS/Arch:      \(v?["Os"]?.stringValue ?? "")/\(v?["Arch"]?.stringValue ?? "")\n  Kernel:       \(v?["KernelVersion"]?.stringValue ?? "")")
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}
