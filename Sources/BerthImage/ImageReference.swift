/// A normalised image reference, parsed the way dockerd's reference library does:
/// `alpine` is `docker.io/library/alpine`, `index.docker.io/foo/bar:1` is `docker.io/foo/bar:1`,
/// `localhost:5000/app` keeps its registry.
///
/// Grammar (distribution/reference): `[domain/]component[/component]*[:tag][@digest]`, where a
/// path component is lowercase alphanumerics joined by `.`, `_`, `__` or runs of `-`, a tag is
/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`, and the first component counts as a registry domain
/// only when it contains `.` or `:`, is `localhost`, or has an uppercase letter.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    /// The registry, `docker.io` for Docker Hub.
    public var domain: String
    /// The repository path inside the registry, `library/alpine` for official images.
    public var path: String
    /// The tag, when one was given.
    public var tag: String?
    /// The digest (`sha256:<64 hex>`), when one was given.
    public var digest: String?

    /// Docker Hub's canonical domain.
    public static let defaultDomain = "docker.io"
    /// The tag an untagged, undigested reference means.
    public static let defaultTag = "latest"

    /// Why a string is not an image reference, in dockerd's words.
    public enum Error: Swift.Error, CustomStringConvertible, Equatable, Sendable {
        /// Not a reference at all.
        case invalidFormat
        /// A reference apart from uppercase letters in the repository path.
        case uppercase
        /// Longer than the 255 characters a repository name may have.
        case nameTooLong
        /// A full 64-hex image id used where a repository name is needed.
        case hexName(String)

        public var description: String {
            switch self {
            case .invalidFormat: "invalid reference format"
            case .uppercase: "invalid reference format: repository name must be lowercase"
            case .nameTooLong: "repository name must not be more than 255 characters"
            case .hexName(let s): "invalid repository name (\(s)), cannot specify 64-byte hexadecimal strings"
            }
        }
    }

    /// What a user may name an image by: a full id, or a (possibly partial) reference.
    public enum Lookup: Hashable, Sendable {
        /// `<64 hex>` or `sha256:<64 hex>`: an exact image id (hex only).
        case id(String)
        /// Anything else that parses; may still turn out to be an id prefix.
        case named(ImageReference)
    }

    public init(domain: String, path: String, tag: String? = nil, digest: String? = nil) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    /// Parses and normalises `text` (dockerd's `ParseNormalizedNamed`).
    public init(parsing text: String) throws(Error) {
        if Self.isFullHex(text) { throw .hexName(text) }
        var domain = Self.defaultDomain
        var remainder = text
        if let slash = text.firstIndex(of: "/") {
            let first = String(text[..<slash])
            if first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first {
                domain = first
                remainder = String(text[text.index(after: slash)...])
            }
        }
        if domain == "index.docker.io" { domain = Self.defaultDomain }
        if remainder.lowercased() != remainder { throw .uppercase }
        guard let parts = Self.split(remainder) else { throw .invalidFormat }
        var path = parts.name
        if domain == Self.defaultDomain && !path.contains("/") { path = "library/" + path }
        guard Self.isDomain(domain), Self.isPath(path) else { throw .invalidFormat }
        if domain.utf8.count + 1 + path.utf8.count > 255 { throw .nameTooLong }
        if let tag = parts.tag, !Self.isTag(tag) { throw .invalidFormat }
        if let digest = parts.digest, !Self.isDigest(digest) { throw .invalidFormat }
        self.init(domain: domain, path: path, tag: parts.tag, digest: parts.digest)
    }

    /// Parses what `docker image inspect`, `rmi` and `tag` accept as their source: an id or a
    /// reference (dockerd's `ParseAnyReference`).
    public static func lookup(_ text: String) throws(Error) -> Lookup {
        if isFullHex(text) { return .id(text) }
        if text.hasPrefix("sha256:"), isFullHex(String(text.dropFirst(7))) { return .id(String(text.dropFirst(7))) }
        return .named(try ImageReference(parsing: text))
    }

    /// `docker.io/library/alpine`.
    public var name: String { domain + "/" + path }

    /// The name as the docker CLI prints it: `alpine`, `foo/bar`, `quay.io/x/y`.
    public var familiarName: String {
        guard domain == Self.defaultDomain else { return name }
        if path.hasPrefix("library/") {
            let rest = path.dropFirst("library/".count)
            if !rest.contains("/") { return String(rest) }
        }
        return path
    }

    /// This reference with `:latest` added when it has neither tag nor digest.
    public var withDefaultTag: ImageReference {
        var r = self
        if r.tag == nil && r.digest == nil { r.tag = Self.defaultTag }
        return r
    }

    /// `alpine:latest`, `foo/bar@sha256:…`: the familiar form, with tag and digest as given.
    public var familiarString: String {
        var s = familiarName
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest }
        return s
    }

    /// The fully qualified form, `docker.io/library/alpine:latest`.
    public var description: String {
        var s = name
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest }
        return s
    }

    // MARK: - Grammar

    /// Splits `name[:tag][@digest]`; nil when a part is empty.
    private static func split(_ s: String) -> (name: String, tag: String?, digest: String?)? {
        var rest = Substring(s)
        var digest: String?
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        guard !rest.isEmpty, tag?.isEmpty != true, digest?.isEmpty != true else { return nil }
        return (String(rest), tag, digest)
    }

    /// Whether `s` is 64 lowercase hex characters.
    static func isFullHex(_ s: String) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { isLowerHex($0) }
    }

    static func isLowerHex(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) }

    private static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a) }

    private static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 0x41 && c <= 0x5a) }

    /// `[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*`
    static func isPathComponent(_ s: Substring) -> Bool {
        let u = Array(s.utf8)
        guard let first = u.first, let last = u.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var i = 0
        while i < u.count {
            if isLowerAlnum(u[i]) { i += 1; continue }
            // A separator: ".", "_", "__" or a run of "-", always between alphanumerics.
            var j = i
            if u[i] == 0x2d {
                while j < u.count && u[j] == 0x2d { j += 1 }
            } else if u[i] == 0x5f {
                j += (i + 1 < u.count && u[i + 1] == 0x5f) ? 2 : 1
            } else if u[i] == 0x2e {
                j += 1
            } else {
                return false
            }
            guard j < u.count, isLowerAlnum(u[j]) else { return false }
            i = j
        }
        return true
    }

    private static func isPath(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy(isPathComponent)
    }

    /// `label(.label)*(:port)?` with labels `[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?`.
    private static func isDomain(_ s: String) -> Bool {
        var host = Substring(s)
        if let colon = s.firstIndex(of: ":") {
            let port = s[s.index(after: colon)...]
            guard !port.isEmpty, port.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return false }
            host = s[..<colon]
        }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            let u = Array(label.utf8)
            guard let first = u.first, let last = u.last, isAlnum(first), isAlnum(last) else { return false }
            return u.allSatisfy { isAlnum($0) || $0 == 0x2d }
        }
    }

    /// `[\w][\w.-]{0,127}`
    static func isTag(_ s: String) -> Bool {
        let u = Array(s.utf8)
        guard let first = u.first, u.count <= 128, isAlnum(first) || first == 0x5f else { return false }
        return u.allSatisfy { isAlnum($0) || $0 == 0x5f || $0 == 0x2e || $0 == 0x2d }
    }

    /// `sha256:<64 lowercase hex>`, the only algorithm Berth stores.
    private static func isDigest(_ s: String) -> Bool {
        s.hasPrefix("sha256:") && isFullHex(String(s.dropFirst(7)))
    }
}
