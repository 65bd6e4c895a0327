#if canImport(Glibc)
import Glibc
#endif

/// Request/reply exchanges over one `NetlinkSocket`: numbers each request, reads replies until
/// the ACK or `NLMSG_DONE` that ends it, and turns kernel errors into `NetlinkError.kernel`.
///
/// Synchronous and blocking, and not thread-safe: `LinuxRouteNetlink` wraps one in a `Mutex`
/// and runs it on a `NIOThreadPool`; code already on a thread Berth owns (a namespace thread)
/// may use one directly.
public final class NetlinkSession {
    private let socket: any NetlinkSocket
    private var sequence: UInt32

    /// How many times a dump is re-read when the kernel flags it as interrupted.
    private static let dumpAttempts = 3

    /// - Parameter firstSequence: the sequence number of the first request (tests pin it).
    public init(socket: any NetlinkSocket, firstSequence: UInt32 = 1) {
        self.socket = socket
        sequence = firstSequence &- 1
    }

    /// Sends `request` and returns its data messages (none for a plain ACK).
    ///
    /// Replies are matched on `nlmsg_seq` and `nlmsg_pid`; leftovers of an earlier exchange
    /// (for instance one abandoned after an error) are skipped, as iproute2 does.
    package func execute(_ request: NetlinkRequest) throws -> [NetlinkMessage] {
        sequence &+= 1
        if sequence == 0 { sequence = 1 }
        let expected = sequence
        try socket.send(request.encoded(sequence: expected, portID: socket.portID))
        var messages: [NetlinkMessage] = []
        var interrupted = false
        while true {
            let datagram: [UInt8]
            do {
                datagram = try socket.receive()
            } catch NetlinkError.system(_, EAGAIN) {
                throw NetlinkError.timeout(operation: request.operation)
            }
            for message in try NetlinkMessage.parse(datagram: datagram) {
                guard message.sequence == expected, message.portID == socket.portID else { continue }
                if message.flags.contains(.NLM_F_DUMP_INTR) { interrupted = true }
                switch try message.reply() {
                case .noop:
                    continue
                case .data:
                    messages.append(message)
                case .ack:
                    return messages
                case .error(let e), .done(let e?):
                    throw NetlinkError.kernel(operation: request.operation, errno: e)
                case .done(nil):
                    if interrupted { throw NetlinkError.dumpInterrupted(operation: request.operation) }
                    return messages
                }
            }
        }
    }

    /// Runs a dump, reading it again when the kernel reports that the table changed while it
    /// was being read (`NLM_F_DUMP_INTR`), so callers never see a half-old, half-new list.
    package func dump(_ request: NetlinkRequest) throws -> [NetlinkMessage] {
        var attempt = 1
        while true {
            do {
                return try execute(request)
            } catch NetlinkError.dumpInterrupted where attempt < Self.dumpAttempts {
                attempt += 1
            }
        }
    }
}
