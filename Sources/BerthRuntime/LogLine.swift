import BerthCore

/// One line of container output as `docker logs` gives it: the stream it came from, when, and its
/// bytes, ending in `\n` unless the container's last write had no newline.
public struct LogLine: Equatable, Sendable {
    /// The container's output streams, numbered as in Docker's multiplexed stream format.
    public enum Stream: UInt8, Equatable, Sendable {
        /// `payload` framed for Docker's multiplexed stream: stream byte, three zero bytes,
        /// big-endian 32-bit length, payload. The one encoder of that format in Berth.
        public func frame(_ payload: [UInt8]) -> [UInt8] {
            let n = UInt32(truncatingIfNeeded: payload.count)
            return [rawValue, 0, 0, 0, UInt8(n >> 24), UInt8((n >> 16) & 0xff), UInt8((n >> 8) & 0xff), UInt8(n & 0xff)] + payload
        }

        case stdout = 1
        case stderr = 2
    }

    public var timestamp: Timestamp
    public var stream: Stream
    public var bytes: [UInt8]

    public init(timestamp: Timestamp, stream: Stream, bytes: [UInt8]) {
        self.timestamp = timestamp
        self.stream = stream
        self.bytes = bytes
    }

    /// The bytes decoded as UTF-8 (invalid sequences replaced).
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The line framed for Docker's multiplexed stream (`application/vnd.docker.multiplexed-stream`,
    /// used without a TTY): stream byte, three zero bytes, big-endian 32-bit length, payload.
    public var multiplexedFrame: [UInt8] { stream.frame(bytes) }
}
