import ArgumentParser
import BerthAPI
import BerthCore

/// `berth port CONTAINER [PRIVATE_PORT[/PROTO]]`: the container's published ports, read from
/// `NetworkSettings.Ports` and printed as the docker CLI prints them.
struct ContainerPort: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "port", abstract: "List port mappings or a specific mapping for the container")
    @OptionGroup var global: GlobalOptions
    @Argument var container: String
    @Argument var privatePort: String?

    func run() throws {
        do {
            let r = try global.client().call("GET", "/containers/\(container)/json")
            guard (200..<300).contains(r.status), let json = r.json else { throw CLIError.daemon(r.errorMessage) }
            for line in try Self.lines(json["NetworkSettings"]?["Ports"] ?? .null, privatePort: privatePort, container: container) {
                Console.out(line)
            }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }

    /// The output lines: `80/tcp -> 0.0.0.0:8080` for all ports, or `0.0.0.0:8080` for one,
    /// naturally sorted; IPv6 host addresses in brackets.
    static func lines(_ ports: JSONValue, privatePort: String?, container: String) throws(CLIError) -> [String] {
        var out: [String] = []
        if let privatePort {
            let key = privatePort.contains("/") ? privatePort : privatePort + "/tcp"
            for b in ports[key]?.arrayValue ?? [] { out.append(address(b)) }
            guard !out.isEmpty else { throw CLIError("Error: No public port '\(key)' published for \(container)") }
        } else {
            for m in ports.members ?? [] {
                for b in m.value.arrayValue ?? [] { out.append("\(m.key) -> \(address(b))") }
            }
        }
        return out.sorted(by: naturalLess)
    }

    static func address(_ binding: JSONValue) -> String {
        let ip = binding["HostIp"]?.stringValue ?? ""
        let port = binding["HostPort"]?.stringValue ?? ""
        return PortSpec.hostForPort(ip) + ":" + port
    }

    /// Natural order: runs of digits compare as numbers (`80/tcp` before `5353/udp`).
    static func naturalLess(_ a: String, _ b: String) -> Bool {
        var i = a[...], j = b[...]
        while let x = i.first, let y = j.first {
            if x.isNumber && y.isNumber {
                let n = i.prefix(while: \.isNumber), m = j.prefix(while: \.isNumber)
                if let p = Int(n), let q = Int(m), p != q { return p < q }
                i = i.dropFirst(n.count)
                j = j.dropFirst(m.count)
            } else {
                if x != y { return x < y }
                i = i.dropFirst()
                j = j.dropFirst()
            }
        }
        return i.isEmpty && !j.isEmpty
    }
}
