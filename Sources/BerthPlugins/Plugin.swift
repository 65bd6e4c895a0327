import BerthAPI

/// An activated legacy plugin: its name, address and what it implements, and its calls.
public struct Plugin: Sendable {
    public let name: String
    public let address: PluginAddress
    /// What `Plugin.Activate` answered (`NetworkDriver`, `IpamDriver`, …).
    public let implements: [String]
    let transport: any PluginTransport
    let timeout: Duration

    public init(name: String, address: PluginAddress, implements: [String], transport: any PluginTransport, timeout: Duration) {
        self.name = name
        self.address = address
        self.implements = implements
        self.transport = transport
        self.timeout = timeout
    }

    /// Calls `method` (`NetworkDriver.Join`) with `body` and returns the reply. A status other
    /// than 200 throws `.http` with the reply's `Err` (or its text); a 200 whose `errorField`
    /// (`Err` for NetworkDriver, `Error` for IpamDriver) is not empty throws `.remote`.
    public func call(_ method: String, _ body: JSONValue = .object([]), errorField: String = "Err") async throws(PluginError) -> JSONValue {
        let bytes = Array(body.rendered().utf8)
        let reply: (status: Int, body: [UInt8])
        do {
            reply = try await transport.post(address, path: "/" + method, body: bytes, timeout: timeout)
        } catch {
            switch error {
            case .timeout: throw .timeout(plugin: name, method: method, seconds: Double(timeout.components.seconds))
            case .unreachable(let reason): throw .unreachable(plugin: name, reason: reason)
            }
        }
        let doc = try? JSONParser.parse(reply.body)
        guard reply.status == 200 else {
            let text = doc?["Err"]?.stringValue ?? String(decoding: reply.body, as: UTF8.self)
            throw .http(method: method, status: reply.status, message: text.isEmpty ? "status \(reply.status)" : text)
        }
        if reply.body.allSatisfy(\.isASCIIWhitespace) { return .object([]) }
        guard let doc else { throw .malformed(method: method, reason: "not JSON: \(String(decoding: reply.body.prefix(200), as: UTF8.self))") }
        if let message = doc[errorField]?.stringValue, !message.isEmpty { throw .remote(message) }
        return doc
    }
}

extension UInt8 {
    var isASCIIWhitespace: Bool { self == 0x20 || self == 0x0a || self == 0x0d || self == 0x09 }
}
