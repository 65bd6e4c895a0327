/// A datagram channel to the kernel's rtnetlink: the seam under `NetlinkSession`.
///
/// Implementations block: call them from a thread Berth owns or from `NIOThreadPool`, never
/// from the Swift cooperative pool. They are not thread-safe; one exchange at a time.
public protocol NetlinkSocket: AnyObject {
    /// The port id the kernel assigned at bind time; replies carry it in `nlmsg_pid`.
    var portID: UInt32 { get }

    /// Sends one datagram holding one request to the kernel.
    func send(_ datagram: [UInt8]) throws

    /// Receives the next datagram from the kernel, whole, however large.
    func receive() throws -> [UInt8]
}
