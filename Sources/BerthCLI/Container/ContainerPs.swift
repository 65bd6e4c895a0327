import ArgumentParser
import BerthAPI
import BerthCore

/// `berth ps` / `berth container ls`: the docker CLI's columns and formats.
struct ContainerPs: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ps", abstract: "List containers")

    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("a"), .long], help: "Show all containers (default shows just running).")
    var all = false
    @Flag(name: [.customShort("q"), .long], help: "Only display container IDs.")
    var quiet = false
    @Flag(name: .customLong("no-trunc"), help: "Don't truncate output.")
    var noTrunc = false
    @Option(help: "Format output using a custom template.")
    var format: String?

    static let defaultTable = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}"
    static let header = TableHeader([
        "ID": "CONTAINER ID", "Image": "IMAGE", "Command": "COMMAND", "RunningFor": "CREATED", "Status": "STATUS",
        "Ports": "PORTS", "Names": "NAMES", "Networks": "NETWORKS", "State": "STATE", "CreatedAt": "CREATED AT",
    ])

    func run() throws {
        do {
            let resp = try global.client().call("GET", "/containers/json", query: all ? [("all", "1")] : []).check()
            let items = resp.json?.arrayValue ?? []
            let formatter: ListFormatter
            do { formatter = try ListFormatter(format, defaultTable: Self.defaultTable, quiet: quiet) } catch { throw CLIError(error.message) }
            let now = Timestamp.now()
            let rows = items.map { TemplateValue.context(Self.context($0, noTrunc: noTrunc, now: now)) }
            do { print(try formatter.render(rows, header: Self.header), terminator: "") } catch { throw CLIError(error.message) }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }

    /// The PORTS column: `0.0.0.0:8080->80/tcp` per binding and `90/tcp` per exposed port
    /// without one (dockerd's ranges are not folded together here).
    static func ports(_ items: [JSONValue]) -> String {
        items.map { p -> String in
            var privatePort: Int64 = 0
            if case .int(let v) = p["PrivatePort"] ?? .null { privatePort = v }
            let type = p["Type"]?.stringValue ?? "tcp"
            guard let ip = p["IP"]?.stringValue, case .int(let pub) = p["PublicPort"] ?? .null else { return "\(privatePort)/\(type)" }
            return "\(PortSpec.hostForPort(ip)):\(pub)->\(privatePort)/\(type)"
        }.sorted(by: ContainerPort.naturalLess).joined(separator: ", ")
    }

    /// The docker CLI's `containerContext`.
    static func context(_ c: JSONValue, noTrunc: Bool, now: Timestamp) -> TemplateRecord {
        let id = c["Id"]?.stringValue ?? ""
        var command = c["Command"]?.stringValue ?? ""
        if !noTrunc && command.count > 20 { command = String(command.prefix(19)) + "…" }
        let names = (c["Names"]?.arrayValue ?? []).compactMap(\.stringValue).map { $0.hasPrefix("/") ? String($0.dropFirst()) : $0 }
        var created: Int64 = 0
        if case .int(let v) = c["Created"] ?? .null { created = v }
        let networks = c["NetworkSettings"]?["Networks"]?.members?.map(\.key).sorted().joined(separator: ",") ?? ""
        return TemplateRecord(
            typeName: "*formatter.ContainerContext",
            fields: [
                "ID": .string(noTrunc ? id : Identifier.short(id)), "Image": .string(c["Image"]?.stringValue ?? ""),
                "Command": .string("\"\(command)\""),
                "RunningFor": .string(HumanDuration.describe(seconds: now.seconds - created) + " ago"),
                "Status": .string(c["Status"]?.stringValue ?? ""), "Ports": .string(ports(c["Ports"]?.arrayValue ?? [])),
                "Names": .string(names.joined(separator: ",")), "Networks": .string(networks),
                "State": .string(c["State"]?.stringValue ?? ""),
            ])
    }
}
