#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Applies `docker import --change` / `docker commit --change` instructions to an image's run
/// config: the Dockerfile instructions dockerd allows there (`CMD`, `ENTRYPOINT`, `ENV`,
/// `EXPOSE`, `HEALTHCHECK`, `LABEL`, `ONBUILD`, `USER`, `VOLUME`, `WORKDIR`), one per line,
/// with Dockerfile quoting, `\` line continuations and `$VAR` expansion where Docker expands.
public enum ImageChanges {
    /// Why a change was refused, in dockerd's words (all are HTTP 400).
    public enum Error: Swift.Error, CustomStringConvertible, Equatable, Sendable {
        /// An instruction that exists in Dockerfiles but not in `--change` (or no instruction at all).
        case notAllowed(String)
        /// A malformed instruction; the message says what is wrong.
        case invalid(String)

        public var description: String {
            switch self {
            case .notAllowed(let keyword): "\(keyword) is not a valid change command"
            case .invalid(let message): message
            }
        }
    }

    private static let allowed: Set<String> = [
        "cmd", "entrypoint", "healthcheck", "env", "expose", "label", "onbuild", "user", "volume", "workdir",
    ]

    /// Returns `config` with `changes` applied in order, as dockerd's `BuildFromConfig` does.
    public static func apply(_ changes: [String], to config: ImageRunConfig) throws(Error) -> ImageRunConfig {
        let lines = logicalLines(changes.joined(separator: "\n"))
        // dockerd checks every keyword before applying any instruction.
        let instructions = lines.map(splitKeyword)
        for (keyword, _) in instructions where !allowed.contains(keyword) {
            throw .notAllowed(keyword)
        }
        var config = config
        var cmdSet = false
        for (keyword, rest) in instructions {
            try apply(keyword, rest, to: &config, cmdSet: &cmdSet)
        }
        return config
    }

    private static func apply(_ keyword: String, _ rest: String, to c: inout ImageRunConfig, cmdSet: inout Bool) throws(Error) {
        let env = c.env ?? []
        switch keyword {
        case "cmd":
            c.cmd = commandLine(rest, shell: c.shell)
            cmdSet = true
        case "entrypoint":
            c.entrypoint = commandLine(rest, shell: c.shell)
            // An ENTRYPOINT resets the CMD inherited from before, as in a Dockerfile.
            if !cmdSet { c.cmd = nil }
        case "env":
            for (key, value) in try nameValues(rest, instruction: "ENV", env: env) {
                var entries = c.env ?? []
                if let i = entries.firstIndex(where: { $0 == key || $0.hasPrefix(key + "=") }) {
                    entries[i] = key + "=" + value
                } else {
                    entries.append(key + "=" + value)
                }
                c.env = entries
            }
        case "label":
            for (key, value) in try nameValues(rest, instruction: "LABEL", env: env) {
                c.labels = (c.labels ?? [:]).merging([key: value]) { _, new in new }
            }
        case "expose":
            let words = try DockerfileWords.processWords(rest, env: env)
            guard !words.isEmpty else { throw .invalid("EXPOSE requires at least one argument") }
            var ports = Set(c.exposedPorts ?? [])
            for word in words { ports.formUnion(try portSpecs(word)) }
            c.exposedPorts = ports.sorted()
        case "user":
            let words = try DockerfileWords.processWords(rest, env: env)
            guard words.count == 1 else { throw .invalid("USER requires exactly one argument") }
            c.user = words[0]
        case "volume":
            var paths = jsonArray(rest) ?? []
            if jsonArray(rest) == nil { paths = try DockerfileWords.processWords(rest, env: env) }
            guard !paths.isEmpty else { throw .invalid("VOLUME requires at least one argument") }
            var volumes = Set(c.volumes ?? [])
            for path in paths {
                let trimmed = path.trimmingWhitespace
                guard !trimmed.isEmpty else { throw .invalid("VOLUME specified can not be an empty string") }
                volumes.insert(trimmed)
            }
            c.volumes = volumes.sorted()
        case "workdir":
            let path = try DockerfileWords.process(rest, env: env)
            guard !path.isEmpty else { throw .invalid("WORKDIR requires exactly one argument") }
            c.workingDir = cleanPath(path.hasPrefix("/") ? path : (c.workingDir.isEmpty ? "/" : c.workingDir) + "/" + path)
        case "onbuild":
            let (trigger, _) = splitKeyword(rest)
            switch trigger {
            case "": throw .invalid("ONBUILD requires at least one argument")
            case "onbuild": throw .invalid("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")
            case "from", "maintainer": throw .invalid("\(trigger.uppercased()) isn't allowed as an ONBUILD trigger")
            default: c.onBuild = (c.onBuild ?? []) + [rest]
            }
        case "healthcheck":
            c.healthcheck = try ImageHealthcheck(parsing: rest)
        default:
            throw .notAllowed(keyword)
        }
    }

    // MARK: - Lines and words

    /// Joins `\`-continued lines and drops blank lines and `#` comments.
    static func logicalLines(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.trimmingWhitespace
            if current.isEmpty && (trimmed.isEmpty || trimmed.hasPrefix("#")) { continue }
            if trimmed.hasSuffix("\\") {
                current += String(trimmed.dropLast())
                continue
            }
            current += line
            result.append(current.trimmingWhitespace)
            current = ""
        }
        if !current.trimmingWhitespace.isEmpty { result.append(current.trimmingWhitespace) }
        return result
    }

    /// `("cmd", "[\"sh\"]")` from `CMD ["sh"]`: the keyword lowercased, the rest trimmed.
    static func splitKeyword(_ line: String) -> (String, String) {
        let trimmed = line.trimmingWhitespace
        guard let space = trimmed.firstIndex(where: { $0.isWhitespace }) else { return (trimmed.lowercased(), "") }
        return (trimmed[..<space].lowercased(), trimmed[space...].trimmingWhitespace)
    }

    /// A JSON array of strings (exec form), or nil when `text` is not one.
    static func jsonArray(_ text: String) -> [String]? {
        guard text.hasPrefix("[") else { return nil }
        return try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }

    /// Exec form as given; shell form wrapped in the shell (`/bin/sh -c`).
    private static func commandLine(_ rest: String, shell: [String]?) -> [String] {
        if let exec = jsonArray(rest) { return exec }
        return (shell ?? ["/bin/sh", "-c"]) + [rest]
    }

    /// `KEY=value …` pairs, or the legacy `KEY value with spaces`, values processed as words.
    static func nameValues(_ rest: String, instruction: String, env: [String]) throws(Error) -> [(String, String)] {
        let words = DockerfileWords.rawWords(rest)
        guard let first = words.first else { throw .invalid("\(instruction) requires at least one argument") }
        if !first.contains("=") {
            let value = rest.dropFirst(first.count).trimmingWhitespace
            guard !value.isEmpty else { throw .invalid("\(instruction) must have two arguments") }
            let key = try DockerfileWords.process(first, env: env)
            return [(key, try DockerfileWords.process(value, env: env))]
        }
        var pairs: [(String, String)] = []
        var scope = env
        for word in words {
            guard let eq = word.firstIndex(of: "=") else {
                throw .invalid("Syntax error - can't find = in \"\(word)\". Must be of the form: name=value")
            }
            let key = try DockerfileWords.process(String(word[..<eq]), env: scope)
            guard !key.isEmpty else { throw .invalid("\(instruction) names can not be blank") }
            let value = try DockerfileWords.process(String(word[word.index(after: eq)...]), env: scope)
            pairs.append((key, value))
            if instruction == "ENV" { scope.append(key + "=" + value) }
        }
        return pairs
    }

    /// `80`, `80/udp`, `8000-8002/tcp` as the set of `port/proto` keys Docker stores.
    static func portSpecs(_ spec: String) throws(Error) -> [String] {
        let parts = spec.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        let proto = parts.count > 1 ? parts[1].lowercased() : "tcp"
        guard ["tcp", "udp", "sctp"].contains(proto) else { throw .invalid("invalid proto: \(proto)") }
        let range = parts[0].split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard let low = UInt16(range[0]), let high = range.count > 1 ? UInt16(range[1]) : low, low <= high else {
            throw .invalid("invalid containerPort: \(parts[0])")
        }
        return (low...high).map { "\($0)/\(proto)" }
    }

    /// `path.Clean` for absolute paths: no `.`, `..` or repeated slashes.
    static func cleanPath(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                if !parts.isEmpty { parts.removeLast() }
                continue
            }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
