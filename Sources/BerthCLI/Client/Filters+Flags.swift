import BerthAPI

extension Filters {
    /// Parses repeated `--filter key=value` flags, with the docker CLI's message for a bad one.
    static func parse(flags: [String], name: String) throws -> Filters {
        var filters = Filters()
        for f in flags {
            let kv = f.split(separator: "=", maxSplits: 1).map(String.init)
            guard kv.count == 2 else {
                throw CLIError("invalid argument \"\(f)\" for \"\(name)\" flag: bad format of filter (expected name=value)")
            }
            filters.add(kv[0], kv[1])
        }
        return filters
    }
}
