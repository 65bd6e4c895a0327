import BerthCore

/// The networks a querying container is attached to, in the order its endpoints were joined.
/// Only names on these networks are visible to it (dockerd's per-sandbox scoping).
public struct DNSClientScope: Hashable, Sendable {
    public var networkIDs: [String]
    /// Legacy-link aliases only this client sees (`--link db:mydb` on a user-defined network):
    /// lower-cased alias → the target container's name.
    public var links: [String: String]

    public init(networkIDs: [String], links: [String: String] = [:]) {
        self.networkIDs = networkIDs
        self.links = links
    }
}

/// What to do with a query.
public enum DNSResolution: Hashable, Sendable {
    /// Reply with this message (local answer, NOERROR-empty, NXDOMAIN or an error code).
    case answer(DNSMessage)
    /// Not a local name: send the query to the upstream servers.
    case forward
}

/// Answers queries from `ServiceRecords`; pure and synchronous, no sockets.
public struct DNSResolver: Sendable {
    public let records: ServiceRecords
    /// TTL of local answers; dockerd uses 600 s.
    public var ttl: UInt32

    public init(records: ServiceRecords, ttl: UInt32 = 600) {
        self.records = records
        self.ttl = ttl
    }

    /// Decides how to answer `query` for a client that sees `scope`.
    public func resolve(_ query: DNSMessage, for scope: DNSClientScope) -> DNSResolution {
        guard !query.isResponse else { return .answer(.response(to: query, code: .formatError)) }
        guard query.opcode == 0 else { return .answer(.response(to: query, code: .notImplemented)) }
        guard query.questions.count == 1, let question = query.questions.first else {
            return .answer(.response(to: query, code: .formatError))
        }
        guard question.class == .IN || question.class == .ANY else { return .forward }
        var name = question.name.lowercased()
        if name.hasSuffix(".") { name.removeLast() }

        if question.type == .PTR {
            guard let address = DNSResolver.address(reverseName: name) else { return .forward }
            let owners = records.lookup(address: address, networkIDs: scope.networkIDs)
            guard !owners.isEmpty else { return .forward }
            var reply = DNSMessage.response(to: query)
            reply.answers = owners.map {
                DNSResourceRecord(name: question.name, type: .PTR, ttl: ttl,
                                  data: .ptr("\($0.primaryName).\($0.networkName)"))
            }
            return .answer(reply)
        }

        switch endpoints(named: name, scope: scope) {
        case .unknown:
            return .forward
        case .missingInKnownNetwork:
            return .answer(.response(to: query, code: .nameError))
        case let .found(endpoints):
            var reply = DNSMessage.response(to: query)
            // A known name without an address of the asked family, or asked for another type, is NOERROR
            // with no answers (dockerd answers AAAA for IPv4-only containers this way; see the walkthrough).
            switch question.type {
            case .A:
                reply.answers = endpoints.compactMap { e in
                    e.ipv4.map { DNSResourceRecord(name: question.name, type: .A, ttl: ttl, data: .a($0)) }
                }
            case .AAAA:
                reply.answers = endpoints.compactMap { e in
                    e.ipv6.map { DNSResourceRecord(name: question.name, type: .AAAA, ttl: ttl, data: .aaaa($0)) }
                }
            default:
                break
            }
            return .answer(reply)
        }
    }

    enum Lookup {
        case found([DNSEndpointRecord])
        case missingInKnownNetwork
        case unknown
    }

    /// Tries the whole name on every visible network, then each `prefix.network` split (so `web.frontend`
    /// and dotted container names both work).
    func endpoints(named name: String, scope: DNSClientScope) -> Lookup {
        if let target = scope.links[name] {
            let linked = records.lookup(name: target.lowercased(), networkIDs: scope.networkIDs)
            if !linked.isEmpty { return .found(linked) }
        }
        let direct = records.lookup(name: name, networkIDs: scope.networkIDs)
        if !direct.isEmpty { return .found(direct) }
        var knownNetwork = false
        var index = name.startIndex
        while let dot = name[index...].firstIndex(of: ".") {
            let prefix = String(name[..<dot])
            let suffix = String(name[name.index(after: dot)...])
            if let found = records.lookup(name: prefix, networkName: suffix, networkIDs: scope.networkIDs) {
                if !found.isEmpty { return .found(found) }
                knownNetwork = true
            }
            index = name.index(after: dot)
        }
        return knownNetwork ? .missingInKnownNetwork : .unknown
    }

    /// Parses `d.c.b.a.in-addr.arpa` and the 32-nibble `ip6.arpa` form.
    public static func address(reverseName name: String) -> IPAddress? {
        let lowered = name.lowercased()
        if lowered.hasSuffix(".in-addr.arpa") {
            let parts = lowered.dropLast(".in-addr.arpa".count).split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var value: UInt32 = 0
            for part in parts.reversed() {
                guard part.count <= 3, let octet = UInt8(part) else { return nil }
                value = value << 8 | UInt32(octet)
            }
            return .v4(IPv4Address(value))
        }
        if lowered.hasSuffix(".ip6.arpa") {
            let parts = lowered.dropLast(".ip6.arpa".count).split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 32 else { return nil }
            var value: UInt128 = 0
            for part in parts.reversed() {
                guard part.count == 1, let nibble = UInt8(part, radix: 16) else { return nil }
                value = value << 4 | UInt128(nibble)
            }
            return .v6(IPv6Address(value))
        }
        return nil
    }

    /// The reverse-lookup name of an address (`3.0.18.172.in-addr.arpa`).
    public static func reverseName(of address: IPAddress) -> String {
        switch address {
        case let .v4(a):
            return a.bytes.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa"
        case let .v6(a):
            let nibbles = a.bytes.reversed().flatMap { [String($0 & 0xF, radix: 16), String($0 >> 4, radix: 16)] }
            return nibbles.joined(separator: ".") + ".ip6.arpa"
        }
    }
}
