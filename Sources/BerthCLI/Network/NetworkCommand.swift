import ArgumentParser

/// `berth network`: manage networks, as `docker network` does.
public struct NetworkCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "network", abstract: "Manage networks",
        subcommands: [
            NetworkLs.self, NetworkCreate.self, NetworkInspect.self, NetworkRm.self, NetworkPrune.self,
            NetworkConnect.self, NetworkDisconnect.self,
        ])

    public init() {}
}
