import BerthCore

/// `-p [ip:][hostPort[-end]:]containerPort[-end][/proto]`, parsed on the client side as the docker
/// CLI does: a container range becomes one binding per port (paired with the host range when one
/// is given); a host range with one container port is sent whole and the daemon picks a free port.
enum PublishSpec {
    /// One `PortBindings` entry: the key (`80/tcp`) and its host address and port text.
    struct Binding: Equatable {
        var key: String
        var hostIP: String
        var hostPort: String
    }

    static func parse(_ text: String) throws(CLIError) -> [Binding] {
        var rest = Substring(text)
        var proto = "tcp"
        if let slash = rest.lastIndex(of: "/") {
            proto = rest[rest.index(after: slash)...].lowercased()
            rest = rest[..<slash]
        }
        guard PortProtocol(rawValue: proto) != nil else { throw CLIError("invalid proto: \(proto)") }
        var hostIP = ""
        if rest.hasPrefix("[") {
            // An IPv6 host address: [::1]:8080:80.
            guard let close = rest.firstIndex(of: "]") else { throw CLIError("invalid IP address: \(rest)") }
            hostIP = String(rest[rest.index(after: rest.startIndex)..<close])
            rest = rest[rest.index(after: close)...]
            guard rest.hasPrefix(":") else { throw CLIError("invalid port format for --publish: \(text)") }
            rest = rest.dropFirst()
        }
        var parts = rest.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        if hostIP.isEmpty && parts.count == 3 { hostIP = parts.removeFirst() }
        guard (1...2).contains(parts.count) else { throw CLIError("invalid port format for --publish: \(text)") }
        if !hostIP.isEmpty && IPAddress(hostIP) == nil { throw CLIError("invalid IP address: \(hostIP)") }
        let containerText = parts.last!
        let hostText = parts.count == 2 ? parts[0] : ""
        guard let container = PortSpec.parseRange(containerText), container.lowerBound > 0 else { throw CLIError("invalid containerPort: \(containerText)") }
        var host: ClosedRange<Int>?
        if !hostText.isEmpty {
            guard let h = PortSpec.parseRange(hostText) else { throw CLIError("invalid hostPort: \(hostText)") }
            host = h
        }
        if let host, container.count > 1, host.count != container.count {
            throw CLIError("invalid ranges specified for container and host Ports: \(containerText) and \(hostText)")
        }
        return container.enumerated().map { i, port in
            let hostPort: String
            if let host {
                hostPort = container.count > 1 ? String(host.lowerBound + i) : hostText
            } else {
                hostPort = ""
            }
            return Binding(key: "\(port)/\(proto)", hostIP: hostIP, hostPort: hostPort)
        }
    }
}
