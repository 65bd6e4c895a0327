import ArgumentParser

/// `berth`: the command-line client of berthd, speaking the docker CLI's commands.
public struct BerthCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "berth", abstract: "A Docker-compatible container engine client.",
        subcommands: [NetworkCommand.self, VersionCommand.self])

    public init() {}
}
