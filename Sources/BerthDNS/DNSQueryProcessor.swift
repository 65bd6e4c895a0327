import NIOCore
import Synchronization

/// Turns one received query into a reply: a local answer from the resolver, or a forward. Shared by the UDP
/// and TCP handlers; the local path is synchronous and runs on the event loop without any task hop.
final class DNSQueryProcessor: Sendable {
    enum Transport {
        case udp
        case tcp
    }

    enum Step {
        /// Send these bytes (already sized for the transport).
        case reply(ByteBuffer)
        /// Forward the raw query; `query` is kept to size the reply.
        case forward(DNSMessage)
        /// Send nothing.
        case drop
    }

    let resolver: DNSResolver
    let forwarder: DNSForwarder?
    let answerServerFailure: Bool
    private let scopeBox: Mutex<DNSClientScope>

    init(resolver: DNSResolver, scope: DNSClientScope, forwarder: DNSForwarder?, answerServerFailure: Bool) {
        self.resolver = resolver
        self.forwarder = forwarder
        self.answerServerFailure = answerServerFailure
        self.scopeBox = Mutex(scope)
    }

    var scope: DNSClientScope {
        get { scopeBox.withLock { $0 } }
        set { scopeBox.withLock { $0 = newValue } }
    }

    func process(_ raw: ByteBuffer, transport: Transport, allocator: ByteBufferAllocator) -> Step {
        let query: DNSMessage
        do {
            query = try DNSMessage(decoding: raw)
        } catch {
            // Answer FORMERR when at least the header is readable, so the client does not wait for a timeout.
            guard let id = raw.getInteger(at: raw.readerIndex, as: UInt16.self), raw.readableBytes >= 12 else {
                return .drop
            }
            return reply(DNSMessage(id: id, isResponse: true, recursionAvailable: true, responseCode: .formatError),
                         limit: 512, allocator: allocator)
        }
        guard !query.isResponse else { return .drop }
        switch resolver.resolve(query, for: scope) {
        case let .answer(message):
            return reply(message, limit: transport == .udp ? query.udpResponseLimit : Int(UInt16.max), allocator: allocator)
        case .forward:
            guard forwarder != nil else { return failure(for: query, allocator: allocator) }
            return .forward(query)
        }
    }

    /// Runs a forward and returns the step for its outcome.
    func forward(_ raw: ByteBuffer, query: DNSMessage, transport: Transport, allocator: ByteBufferAllocator) async -> Step {
        guard let forwarder else { return failure(for: query, allocator: allocator) }
        switch await forwarder.forward(raw) {
        case let .reply(reply):
            let limit = transport == .udp ? query.udpResponseLimit : Int(UInt16.max)
            guard reply.readableBytes > limit else { return .reply(reply) }
            var truncated = DNSMessage.response(to: query)
            truncated.truncated = true
            let flags = reply.getInteger(at: reply.readerIndex + 2, as: UInt16.self) ?? 0
            truncated.responseCode = DNSResponseCode(rawValue: flags & 0xF)
            return self.reply(truncated, limit: limit, allocator: allocator)
        case .failed:
            return failure(for: query, allocator: allocator)
        }
    }

    private func failure(for query: DNSMessage, allocator: ByteBufferAllocator) -> Step {
        guard answerServerFailure else { return .drop }
        return reply(.response(to: query, code: .serverFailure), limit: query.udpResponseLimit, allocator: allocator)
    }

    /// Encodes `message`; if it exceeds `limit`, sends header and question only with TC set (RFC 2181 §9).
    private func reply(_ message: DNSMessage, limit: Int, allocator: ByteBufferAllocator) -> Step {
        do {
            var bytes = try message.encoded()
            if bytes.count > limit {
                var truncated = message
                truncated.truncated = true
                truncated.answers = []
                truncated.authority = []
                truncated.additional = []
                bytes = try truncated.encoded()
            }
            var buffer = allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            return .reply(buffer)
        } catch {
            var failed = DNSMessage.response(to: DNSMessage(id: message.id), code: .serverFailure)
            failed.questions = []
            guard let bytes = try? failed.encoded() else { return .drop }
            var buffer = allocator.buffer(capacity: bytes.count)
            buffer.writeBytes(bytes)
            return .reply(buffer)
        }
    }
}
