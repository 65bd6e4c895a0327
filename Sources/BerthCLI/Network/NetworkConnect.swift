import ArgumentParser
import BerthAPI

/// `berth network connect [--ip] [--ip6] [--alias] NETWORK CONTAINER`.
struct NetworkConnect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "connect", abstract: "Connect a container to a network")
    @OptionGroup var global: GlobalOptions
    @Option(help: "IPv4 address (e.g., 172.30.100.104).")
    var ip: String?
    @Option(help: "IPv6 address (e.g., 2001:db8::33).")
    var ip6: String?
    @Option(help: "Add network-scoped alias for the container.")
    var alias: [String] = []
    @Argument var network: String
    @Argument var container: String

    func run() throws {
        do {
            var config: [JSONValue.Member] = []
            if ip != nil || ip6 != nil {
                config.append(.init("IPAMConfig", .obj(["IPv4Address": .string(ip ?? ""), "IPv6Address": .string(ip6 ?? "")])))
            }
            if !alias.isEmpty { config.append(.init("Aliases", .array(alias.map { .string($0) }))) }
            _ = try global.client().call("POST", "/networks/\(network)/connect", body: .init(.obj([
                "Container": .string(container), "EndpointConfig": .object(config),
            ]))).check()
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}

/// `berth network disconnect [-f] NETWORK CONTAINER`.
struct NetworkDisconnect: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "disconnect", abstract: "Disconnect a container from a network")
    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Force the container to disconnect from a network.")
    var force = false
    @Argument var network: String
    @Argument var container: String

    func run() throws {
        do {
            _ = try global.client().call("POST", "/networks/\(network)/disconnect", body: .init(.obj([
                "Container": .string(container), "Force": .bool(force),
            ]))).check()
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}
