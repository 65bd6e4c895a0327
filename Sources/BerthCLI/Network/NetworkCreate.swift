import ArgumentParser
import BerthAPI

/// `berth network create`: the docker CLI's flags, including its client-side pairing of
/// ranges, gateways and aux addresses with subnets.
struct NetworkCreate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a network")

    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("d"), .long], help: "Driver to manage the Network.")
    var driver = "bridge"
    @Option(help: "Subnet in CIDR format that represents a network segment (repeatable).")
    var subnet: [String] = []
    @Option(name: .customLong("ip-range"), help: "Allocate container ip from a sub-range (repeatable).")
    var ipRange: [String] = []
    @Option(help: "IPv4 or IPv6 Gateway for the master subnet (repeatable).")
    var gateway: [String] = []
    @Option(name: .customLong("aux-address"), help: "Auxiliary IPv4 or IPv6 addresses used by Network driver (name=ip).")
    var auxAddress: [String] = []
    @Option(name: .customLong("ipam-driver"), help: "IP Address Management Driver.")
    var ipamDriver = "default"
    @Option(name: .customLong("ipam-opt"), help: "Set IPAM driver specific options (key=value).")
    var ipamOpt: [String] = []
    @Option(name: [.customShort("o"), .customLong("opt")], help: "Set driver specific options (key=value).")
    var opt: [String] = []
    @Option(help: "Set metadata on a network (key=value).")
    var label: [String] = []
    @Flag(help: "Restrict external access to the network.")
    var `internal` = false
    @Flag(help: "Enable manual container attachment.")
    var attachable = false
    @Flag(help: "Create swarm routing-mesh network.")
    var ingress = false
    @Flag(help: "Enable IPv6 networking.")
    var ipv6 = false
    @Option(name: .customLong("ipv4"), help: "Enable IPv4 networking (true|false).")
    var ipv4: Bool = true
    @Option(help: "Control the network's scope.")
    var scope: String?
    @Flag(name: .customLong("config-only"), help: "Create a configuration only network.")
    var configOnly = false
    @Option(name: .customLong("config-from"), help: "The network from which to copy the configuration.")
    var configFrom: String?
    @Argument(help: "Network name.")
    var name: String

    func run() throws {
        do {
            let aux = try Self.keyValues(auxAddress, flag: "--aux-address")
            let ipam = try IPAMConsolidation.consolidate(subnets: subnet, ranges: ipRange, gateways: gateway, aux: aux)
            var body: [JSONValue.Member] = [
                .init("Name", .string(name)),
                .init("Driver", .string(driver)),
                .init("Scope", .string(scope ?? "")),
                .init("EnableIPv4", .bool(ipv4)),
                .init("EnableIPv6", .bool(ipv6)),
                .init("IPAM", .obj([
                    "Driver": .string(ipamDriver),
                    "Options": .stringMap(try Self.keyValues(ipamOpt, flag: "--ipam-opt")),
                    "Config": .array(ipam.map { c in
                        var e: [JSONValue.Member] = [.init("Subnet", .string(c.subnet))]
                        if let r = c.ipRange { e.append(.init("IPRange", .string(r))) }
                        if let g = c.gateway { e.append(.init("Gateway", .string(g))) }
                        if !c.auxAddresses.isEmpty { e.append(.init("AuxiliaryAddresses", .stringMap(c.auxAddresses))) }
                        return .object(e)
                    }),
                ])),
                .init("Internal", .bool(`internal`)),
                .init("Attachable", .bool(attachable)),
                .init("Ingress", .bool(ingress)),
                .init("ConfigOnly", .bool(configOnly)),
                .init("Options", .stringMap(try Self.keyValues(opt, flag: "--opt"))),
                .init("Labels", .stringMap(try Self.keyValues(label, flag: "--label", valueOptional: true))),
            ]
            if let cf = configFrom { body.append(.init("ConfigFrom", .obj(["Network": .string(cf)]))) }
            let client = try global.client()
            let resp = try client.call("POST", "/networks/create", body: .init(.object(body))).check()
            if let w = resp.json?["Warning"]?.stringValue, !w.isEmpty { Console.err(w) }
            Console.out(resp.json?["Id"]?.stringValue ?? "")
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }

    /// Parses repeated `key=value` flags.
    static func keyValues(_ items: [String], flag: String, valueOptional: Bool = false) throws -> [String: String] {
        var out: [String: String] = [:]
        for item in items {
            let kv = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
            if kv.count == 2 {
                out[kv[0]] = kv[1]
            } else if valueOptional {
                out[kv[0]] = ""
            } else {
                throw CLIError("invalid argument \"\(item)\" for \"\(flag)\" flag: \(item) is not a valid key=value pair")
            }
        }
        return out
    }
}
