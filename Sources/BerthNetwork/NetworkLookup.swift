import BerthCore

/// dockerd's rules for naming a network in a request: full id, then exact name, then a
/// unique id prefix; more than one match is an error, never a guess.
public enum NetworkLookup {
    public static func find(_ ref: String, in all: [Network]) throws(BerthError) -> Network {
        guard !ref.isEmpty else { throw .notFound("network \(ref) not found") }
        if let n = all.first(where: { $0.id == ref }) { return n }
        let byName = all.filter { $0.name == ref }
        if byName.count == 1 { return byName[0] }
        if byName.count > 1 {
            throw .invalidArgument("network \(ref) is ambiguous (\(byName.count) matches found based on name)")
        }
        if Identifier.isHexPrefix(ref) {
            let byPrefix = all.filter { $0.id.hasPrefix(ref) }
            if byPrefix.count == 1 { return byPrefix[0] }
            if byPrefix.count > 1 {
                throw .invalidArgument("network \(ref) is ambiguous (\(byPrefix.count) matches found based on ID prefix)")
            }
        }
        throw .notFound("network \(ref) not found")
    }
}
