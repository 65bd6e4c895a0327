import BerthCore
import BerthStore
import Foundation

/// Legacy links (`--link db:mydb`) on the default bridge, as dockerd 20.10 makes them: the target's
/// address in the linking container's `/etc/hosts` under the alias, its short id and its name, and
/// environment variables describing its exposed ports and its own environment. On user-defined
/// networks a link is only a DNS alias seen by the linking container.
enum LegacyLinks {
    /// `db`, `db:mydb`, or dockerd's stored `/db:/web3/mydb`.
    static func parse(_ text: String) throws(BerthError) -> ContainerRecord.Link {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), !parts[0].isEmpty else {
            throw .invalidArgument("bad format for links: \(text)")
        }
        let name = parts[0].hasPrefix("/") ? String(parts[0].dropFirst()) : parts[0]
        var alias = parts.count == 2 ? parts[1] : name
        // The stored form carries the full link path; its last component is the alias.
        if alias.hasPrefix("/") { alias = String(alias.split(separator: "/").last ?? Substring(alias)) }
        guard !name.isEmpty, !alias.isEmpty else { throw .invalidArgument("bad format for links: \(text)") }
        return .init(name: name, alias: alias)
    }

    /// `5432` → `5432/tcp`, `53/UDP` → `53/udp`, `8000-8002/tcp` → its three ports; nil when malformed.
    static func normalizePorts(_ spec: String) -> [String]? {
        let pieces = spec.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(pieces.count) else { return nil }
        let proto = pieces.count == 2 ? pieces[1].lowercased() : "tcp"
        guard ["tcp", "udp", "sctp"].contains(proto) else { return nil }
        let range = pieces[0].split(separator: "-", omittingEmptySubsequences: false)
        guard let low = Int(range[0]), (1...65535).contains(low) else { return nil }
        let high = range.count == 2 ? Int(range[1]) ?? -1 : low
        guard range.count <= 2, (low...65535).contains(high) else { return nil }
        return (low...high).map { "\($0)/\(proto)" }
    }

    /// Ports ordered by number, TCP before other protocols on the same number.
    static func sorted(_ ports: [String]) -> [(port: Int, proto: String)] {
        ports.compactMap { p -> (Int, String)? in
            let parts = p.split(separator: "/")
            guard let n = Int(parts.first ?? "") else { return nil }
            return (n, parts.count > 1 ? String(parts[1]) : "tcp")
        }.sorted { a, b in a.0 != b.0 ? a.0 < b.0 : (a.1 == "tcp" && b.1 != "tcp") || (a.1 != "tcp" && b.1 != "tcp" && a.1 < b.1) }
    }

    /// The variables a linking container gets for one link (`linkName` is `/web3/mydb`).
    static func environment(alias: String, linkName: String, ip: String, ports: [String], targetEnv: [String]) -> [String] {
        let prefix = alias.uppercased().replacingOccurrences(of: "-", with: "_")
        let list = sorted(ports)
        var env: [String] = []
        if let first = list.first { env.append("\(prefix)_PORT=\(first.proto)://\(ip):\(first.port)") }
        // Runs of consecutive ports (same protocol) also get _START/_END variables.
        var i = 0
        while i < list.count {
            var j = i
            while j + 1 < list.count, list[j + 1].port == list[j].port + 1, list[j + 1].proto == list[i].proto { j += 1 }
            if j > i {
                let p = list[i], q = list[j], key = "\(prefix)_PORT_\(p.port)_\(p.proto.uppercased())"
                env += [
                    "\(key)_START=\(p.proto)://\(ip):\(p.port)", "\(key)_ADDR=\(ip)", "\(key)_PROTO=\(p.proto)",
                    "\(key)_PORT_START=\(p.port)", "\(key)_END=\(q.proto)://\(ip):\(q.port)", "\(key)_PORT_END=\(q.port)",
                ]
            }
            i = j + 1
        }
        for p in list {
            let key = "\(prefix)_PORT_\(p.port)_\(p.proto.uppercased())"
            env += ["\(key)=\(p.proto)://\(ip):\(p.port)", "\(key)_ADDR=\(ip)", "\(key)_PORT=\(p.port)", "\(key)_PROTO=\(p.proto)"]
        }
        env.append("\(prefix)_NAME=\(linkName)")
        for kv in targetEnv {
            let parts = kv.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] != "HOME", parts[0] != "PATH" else { continue }
            env.append("\(prefix)_ENV_\(parts[0])=\(parts[1])")
        }
        return env
    }
}
