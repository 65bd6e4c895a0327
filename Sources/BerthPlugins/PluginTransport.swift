import BerthAPI

/// One call to a plugin: `POST /<Subsystem.Method>` with a JSON body, the reply's status and
/// body back. The seam between the plugin logic and the sockets; tests script it.
public protocol PluginTransport: Sendable {
    /// Sends one request and waits for its whole reply, at most `timeout`.
    func post(_ address: PluginAddress, path: String, body: [UInt8], timeout: Duration) async throws(PluginTransportError) -> (status: Int, body: [UInt8])
}

/// Why a call got no reply.
public enum PluginTransportError: Error, Sendable, Equatable {
    /// No connection could be made, or it was lost before the reply.
    case unreachable(String)
    /// The deadline passed.
    case timeout
}
