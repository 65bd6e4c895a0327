import BerthCore

/// The docker CLI's pairing of `--ip-range`, `--gateway` and `--aux-address` with the
/// `--subnet` that contains each, with its error messages, done before anything is sent.
enum IPAMConsolidation {
    struct Config: Equatable {
        var subnet: String
        var ipRange: String?
        var gateway: String?
        var auxAddresses: [String: String] = [:]
    }

    static func consolidate(subnets: [String], ranges: [String], gateways: [String], aux: [String: String]) throws -> [Config] {
        if subnets.count < ranges.count || subnets.count < gateways.count {
            throw CLIError("every ip-range or gateway must have a corresponding subnet")
        }
        var configs: [Config] = []
        for s in subnets {
            for c in configs {
                if try matches(s, c.subnet) || matches(c.subnet, s) {
                    throw CLIError("multiple overlapping subnet configuration is not allowed")
                }
            }
            configs.append(Config(subnet: s))
        }
        for r in ranges {
            var matched = false
            for i in configs.indices where try matches(configs[i].subnet, r) {
                if let existing = configs[i].ipRange {
                    throw CLIError("cannot configure multiple ranges (\(r), \(existing)) on the same subnet (\(configs[i].subnet))")
                }
                configs[i].ipRange = r
                matched = true
            }
            if !matched { throw CLIError("no matching subnet for range \(r)") }
        }
        for g in gateways {
            var matched = false
            for i in configs.indices where try matches(configs[i].subnet, g) {
                if let existing = configs[i].gateway {
                    throw CLIError("cannot configure multiple gateways (\(g), \(existing)) for the same subnet (\(configs[i].subnet))")
                }
                configs[i].gateway = g
                matched = true
            }
            if !matched { throw CLIError("no matching subnet for gateway \(g)") }
        }
        for (k, v) in aux.sorted(by: { $0.key < $1.key }) {
            var matched = false
            for i in configs.indices where try matches(configs[i].subnet, v) {
                configs[i].auxAddresses[k] = v
                matched = true
            }
            if !matched { throw CLIError("no matching subnet for aux-address \(v)") }
        }
        return configs
    }

    /// Whether `data` (an address or CIDR) lies in `subnet`; a malformed subnet is an error.
    private static func matches(_ subnet: String, _ data: String) throws -> Bool {
        guard let s = CIDR(subnet) else { throw CLIError("invalid subnet \(subnet): invalid CIDR address: \(subnet)") }
        let ip: IPAddress?
        if data.contains("/") {
            guard let c = CIDR(data) else { throw CLIError("invalid CIDR address: \(data)") }
            ip = c.address
        } else {
            ip = IPAddress(data)
        }
        guard let ip else { return false }
        return s.contains(ip)
    }
}
