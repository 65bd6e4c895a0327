/// `ifi_flags`: the device flags of `enum net_device_flags` (`<linux/if.h>`).
///
/// Values are the kernel's ABI, spelled out because Glibc's `<net/if.h>` and the UAPI header
/// both define these names and would be ambiguous if imported side by side.
public struct LinkFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt32

    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Administratively up (`ip link set ... up`).
    public static let IFF_UP = Self(rawValue: 1 << 0)
    public static let IFF_BROADCAST = Self(rawValue: 1 << 1)
    public static let IFF_LOOPBACK = Self(rawValue: 1 << 3)
    public static let IFF_POINTOPOINT = Self(rawValue: 1 << 4)
    /// Operationally up (the driver reports carrier).
    public static let IFF_RUNNING = Self(rawValue: 1 << 6)
    public static let IFF_NOARP = Self(rawValue: 1 << 7)
    public static let IFF_PROMISC = Self(rawValue: 1 << 8)
    public static let IFF_MULTICAST = Self(rawValue: 1 << 12)
    /// The physical layer is up.
    public static let IFF_LOWER_UP = Self(rawValue: 1 << 16)
}
