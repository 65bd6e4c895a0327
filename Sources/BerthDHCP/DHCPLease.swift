import BerthCore

/// An address leased from a DHCP server: what the container's interface gets and when the
/// lease must be renewed.
public struct DHCPLease: Equatable, Sendable {
    public var address: IPv4Address
    public var prefixLength: Int
    public var router: IPv4Address?
    public var server: IPv4Address
    public var dnsServers: [IPv4Address]
    /// Seconds the lease lasts from when it was granted.
    public var leaseTime: UInt32
    /// Seconds after which the client renews with its server (T1; half the lease by default).
    public var renewalTime: UInt32

    public init(address: IPv4Address, prefixLength: Int, router: IPv4Address?, server: IPv4Address,
                dnsServers: [IPv4Address] = [], leaseTime: UInt32, renewalTime: UInt32? = nil) {
        self.address = address
        self.prefixLength = prefixLength
        self.router = router
        self.server = server
        self.dnsServers = dnsServers
        self.leaseTime = leaseTime
        self.renewalTime = renewalTime ?? leaseTime / 2
    }

    /// The address with its prefix, as an interface carries it (`10.0.0.5/24`).
    public var cidr: CIDR { CIDR(address: .v4(address), prefixLength: prefixLength) }

    /// The lease an ACK grants; nil when it lacks an address or a server identifier.
    public init?(ack: DHCPMessage) {
        guard ack.kind == .ack, let address = ack.yourAddress, let server = ack.serverID else { return nil }
        let mask = ack.subnetMask?.value ?? 0xffff_ff00
        // An infinite lease (0xffffffff) is renewed daily all the same.
        let lease = min(ack.leaseTime ?? 3600, 86_400)
        self.init(address: address, prefixLength: mask.nonzeroBitCount, router: ack.router, server: server,
                  dnsServers: ack.dnsServers, leaseTime: lease, renewalTime: ack.renewalTime.map { min($0, lease) })
    }
}

/// Why no lease was had, in words that tell the user where to look.
public struct DHCPError: Error, Equatable, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) { self.description = description }
}

/// The client side of DHCP for one interface inside a namespace. `LinuxDHCPClient` speaks it
/// over a UDP socket opened in the namespace; tests use a scripted double.
public protocol DHCPClient: Sendable {
    /// DISCOVER, OFFER, REQUEST, ACK on `interface` (up, without an address) of the namespace
    /// open at `namespaceFD`. `requested` asks for an address held before (INIT-REBOOT).
    func acquire(namespaceFD: Int32, interface: String, mac: MACAddress, hostname: String?, requested: IPv4Address?) async throws -> DHCPLease
    /// Extends `lease` with its server (RENEWING: unicast from the leased address).
    func renew(_ lease: DHCPLease, namespaceFD: Int32, interface: String, mac: MACAddress) async throws -> DHCPLease
    /// Gives `lease` back (DHCPRELEASE; no answer is awaited).
    func release(_ lease: DHCPLease, namespaceFD: Int32, interface: String, mac: MACAddress) async
}
