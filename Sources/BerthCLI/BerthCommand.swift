import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// `berth`: the command-line client of berthd, speaking the docker CLI's commands.
public struct BerthCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "berth", abstract: "A Docker-compatible container engine client.",
        subcommands: [
            NetworkCommand.self, ContainerRun.self, ContainerPs.self, ContainerExec.self, ContainerLogs.self,
            ContainerInspect.self, ContainerStop.self, ContainerKill.self, ContainerRm.self, ContainerWait.self,
            ContainerAttach.self, ContainerCreate.self, ContainerStart.self, ContainerPort.self, VersionCommand.self,
        ])

    public init() {}

    /// Runs the CLI. Global flags written before the command (`berth -H unix:///x.sock network ls`,
    /// as docker users write them) are taken out first and passed on through `BERTH_HOST`,
    /// since argument parsing only knows a command's own options after its name.
    public static func run(arguments: [String]) -> Never {
        var rest = arguments
        var host: String?
        while let first = rest.first {
            if first == "-H" || first == "--host", rest.count > 1 {
                host = rest[1]
                rest.removeFirst(2)
            } else if first.hasPrefix("--host=") {
                host = String(first.dropFirst("--host=".count))
                rest.removeFirst()
            } else if first.hasPrefix("-H"), first.count > 2 {
                host = String(first.dropFirst(2))
                rest.removeFirst()
            } else {
                break
            }
        }
        if let host { setenv("BERTH_HOST", host, 1) }
        main(rest)
        Glibc.exit(0)
    }
}
