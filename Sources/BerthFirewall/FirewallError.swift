/// Why a firewall change could not be made. Nothing of a refused script is applied: libnftables
/// commits a whole buffer as one transaction or nothing.
public enum FirewallError: Error, CustomStringConvertible, Equatable, Sendable {
    /// libnftables could not start (out of memory).
    case unavailable(String)
    /// The namespace to change could not be entered.
    case namespace(path: String, reason: String)
    /// The kernel or nft's parser refused the script; `message` is nft's own error text.
    case rejected(message: String, script: String)

    public var description: String {
        switch self {
        case let .unavailable(reason):
            "firewall: cannot use nftables: \(reason) (is libnftables1 installed and the nf_tables module available?)"
        case let .namespace(path, reason):
            "firewall: cannot enter network namespace \(path): \(reason)"
        case let .rejected(message, _):
            "firewall: nftables refused the change: \(Self.firstLines(message))"
        }
    }

    /// nft's error text without trailing blank lines.
    static func firstLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: true).joined(separator: "\n")
    }
}
