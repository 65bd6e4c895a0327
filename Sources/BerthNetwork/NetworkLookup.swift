import BerthCore

/// dockerd's rules for naming a network in a request: full id, then exact name, then a
/// unique id prefix; more than one match is an error, never a guess.
public enum NetworkLookup {
    public static func find(_ ref: String, in all: [Network]) throws(BerthError) -> Network {
        var byID: [String: Network] = [:]
        var byName: [String: [String]] = [:]
        for n in all where byID[n.id] == nil {
            byID[n.id] = n
            byName[n.name, default: []].append(n.id)
        }
        return try find(ref, byID: byID, idsByName: byName)
    }

    /// The same over networks keyed by id with a name index: a full id or a name is a hash lookup;
    /// only an id prefix scans (the ids, in place).
    public static func find(_ ref: String, byID networks: [String: Network], idsByName: [String: [String]]) throws(BerthError) -> Network {
        guard !ref.isEmpty else { throw .notFound("network \(ref) not found") }
        if let n = networks[ref] { return n }
        let named = idsByName[ref] ?? []
        if named.count == 1, let n = networks[named[0]] { return n }
        if named.count > 1 {
            throw .invalidArgument("network \(ref) is ambiguous (\(named.count) matches found based on name)")
        }
        if Identifier.isHexPrefix(ref) {
            let byPrefix = networks.keys.filter { $0.hasPrefix(ref) }
            if byPrefix.count == 1, let n = networks[byPrefix[0]] { return n }
            if byPrefix.count > 1 {
                throw .invalidArgument("network \(ref) is ambiguous (\(byPrefix.count) matches found based on ID prefix)")
            }
        }
        throw .notFound("network \(ref) not found")
    }
}
