/// A container's `/etc/resolv.conf`, derived from the host's as dockerd does.
///
/// On user-defined networks the embedded DNS at 127.0.0.11 answers and forwards to the host's
/// resolvers; elsewhere the container gets the host's resolvers directly, minus loopback ones
/// (they would point into the container itself), falling back to public resolvers when none
/// remain. `--dns`, `--dns-search` and `--dns-option` replace the host's values.
public struct ResolvConf: Equatable, Sendable {
    public var nameservers: [String]
    public var search: [String]
    public var options: [String]

    public init(nameservers: [String] = [], search: [String] = [], options: [String] = []) {
        self.nameservers = nameservers
        self.search = search
        self.options = options
    }

    /// The address the embedded DNS server answers on inside containers.
    public static let embeddedDNS = "127.0.0.11"
    /// dockerd's fallback when the host has no usable resolver.
    public static let fallbackIPv4 = ["8.8.8.8", "8.8.4.4"]

    /// Reads the directives Berth uses from resolv.conf text; comments and unknown lines are skipped.
    public init(parsing text: String) {
        self.init()
        for raw in text.split(separator: "\n") {
            let line = raw.split(whereSeparator: { $0 == "#" || $0 == ";" }).first.map(String.init) ?? ""
            let f = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let key = f.first else { continue }
            switch key {
            case "nameserver": if f.count > 1 { nameservers.append(f[1]) }
            case "search", "domain": search = Array(f.dropFirst())
            case "options": options += f.dropFirst()
            default: continue
            }
        }
    }

    /// The resolv.conf of a container.
    /// - Parameters:
    ///   - host: the daemon host's resolv.conf.
    ///   - embeddedDNS: whether the container is on a user-defined network.
    ///   - dns, dnsSearch, dnsOptions: the container's `--dns*` flags (empty = the host's).
    public static func forContainer(host: ResolvConf, embeddedDNS: Bool, dns: [String] = [], dnsSearch: [String] = [], dnsOptions: [String] = []) -> ResolvConf {
        let search = dnsSearch.isEmpty ? host.search : dnsSearch.filter { $0 != "." }
        var options = dnsOptions.isEmpty ? host.options : dnsOptions
        if embeddedDNS {
            // The embedded server forwards to the upstreams; ndots:0 as dockerd sets it unless given.
            if !options.contains(where: { $0.hasPrefix("ndots:") }) { options.append("ndots:0") }
            return ResolvConf(nameservers: [Self.embeddedDNS], search: search, options: options)
        }
        var servers = dns.isEmpty ? host.nameservers.filter { !isLoopback($0) } : dns
        if servers.isEmpty { servers = fallbackIPv4 }
        return ResolvConf(nameservers: servers, search: search, options: options)
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address == "::1"
    }

    /// The file's text.
    public var rendered: String {
        var out = ""
        for s in nameservers { out += "nameserver \(s)\n" }
        if !search.isEmpty { out += "search \(search.joined(separator: " "))\n" }
        if !options.isEmpty { out += "options \(options.joined(separator: " "))\n" }
        return out
    }
}
