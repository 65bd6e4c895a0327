/// A container's `/etc/hosts`, laid out as dockerd 20.10 writes it: the loopback and IPv6
/// defaults, then `--add-host` and legacy-link entries, then the container's own addresses.
public struct EtcHosts: Equatable, Sendable {
    /// One line: an address and the names it answers to.
    public struct Record: Equatable, Sendable {
        public var address: String
        public var names: [String]

        public init(address: String, names: [String]) {
            self.address = address
            self.names = names
        }
    }

    /// `--add-host` entries and link aliases, in the order given.
    public var extra: [Record] = []
    /// The container's own records, one per endpoint address (added as endpoints join).
    public var own: [Record] = []

    public init(extra: [Record] = [], own: [Record] = []) {
        self.extra = extra
        self.own = own
    }

    static let defaults: [Record] = [
        Record(address: "127.0.0.1", names: ["localhost"]),
        Record(address: "::1", names: ["localhost", "ip6-localhost", "ip6-loopback"]),
        Record(address: "fe00::0", names: ["ip6-localnet"]),
        Record(address: "ff00::0", names: ["ip6-mcastprefix"]),
        Record(address: "ff02::1", names: ["ip6-allnodes"]),
        Record(address: "ff02::2", names: ["ip6-allrouters"]),
    ]

    /// The names a container's own address answers to: `hostname.domain hostname`, or the
    /// hostname alone.
    public static func ownNames(hostname: String, domainname: String) -> [String] {
        domainname.isEmpty ? [hostname] : ["\(hostname).\(domainname)", hostname]
    }

    /// The file's text.
    public var rendered: String {
        (Self.defaults + extra + own).map { "\($0.address)\t\($0.names.joined(separator: " "))\n" }.joined()
    }
}
