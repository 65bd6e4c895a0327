import BerthCore

/// The body of `POST /networks/create`, read as dockerd reads it: field names matched
/// case-insensitively, unknown fields ignored, values still as the user wrote them
/// (the network layer parses addresses so its errors can quote the input).
public struct NetworkCreateRequest: Equatable, Sendable {
    public struct IPAMConfig: Equatable, Sendable {
        public var subnet: String?
        public var ipRange: String?
        public var gateway: String?
        public var auxAddresses: [String: String]

        public init(subnet: String? = nil, ipRange: String? = nil, gateway: String? = nil, auxAddresses: [String: String] = [:]) {
            self.subnet = subnet
            self.ipRange = ipRange
            self.gateway = gateway
            self.auxAddresses = auxAddresses
        }
    }

    public var name: String
    public var driver: String
    public var scope: String?
    public var internalNetwork = false
    public var attachable = false
    public var ingress = false
    public var configOnly = false
    public var configFrom: String?
    public var enableIPv4: Bool?
    public var enableIPv6: Bool?
    public var ipamDriver: String?
    public var ipamConfig: [IPAMConfig] = []
    public var ipamOptions: [String: String]?
    public var options: [String: String] = [:]
    public var labels: [String: String] = [:]
    public var checkDuplicate: Bool?

    public init(name: String, driver: String = "bridge") {
        self.name = name
        self.driver = driver
    }

    /// Reads a request body. Type errors name the field, as Go's decoder does.
    public init(json: JSONValue) throws(APIError) {
        guard json.members != nil else { throw .invalidParameter("invalid JSON body: expected an object, got \(json.typeName)") }
        let r = FieldReader(json, path: "")
        name = try r.string("Name") ?? ""
        driver = try r.string("Driver") ?? ""
        scope = try r.string("Scope")
        internalNetwork = try r.bool("Internal") ?? false
        attachable = try r.bool("Attachable") ?? false
        ingress = try r.bool("Ingress") ?? false
        configOnly = try r.bool("ConfigOnly") ?? false
        if let cf = json["ConfigFrom"], cf != .null {
            configFrom = try FieldReader(cf, path: "ConfigFrom").string("Network")
        }
        enableIPv4 = try r.bool("EnableIPv4")
        enableIPv6 = try r.bool("EnableIPv6")
        checkDuplicate = try r.bool("CheckDuplicate")
        options = try r.stringMap("Options") ?? [:]
        labels = try r.stringMap("Labels") ?? [:]
        if let ipam = json["IPAM"], ipam != .null {
            guard ipam.members != nil else { throw .invalidParameter("json: cannot unmarshal \(ipam.typeName) into field IPAM of type object") }
            let ir = FieldReader(ipam, path: "IPAM")
            ipamDriver = try ir.string("Driver")
            ipamOptions = try ir.stringMap("Options")
            if let cfg = ipam["Config"], cfg != .null {
                guard let items = cfg.arrayValue else { throw .invalidParameter("json: cannot unmarshal \(cfg.typeName) into field IPAM.Config of type array") }
                ipamConfig = try items.map { item throws(APIError) in
                    guard item.members != nil else { throw .invalidParameter("json: cannot unmarshal \(item.typeName) into field IPAM.Config of type object") }
                    let cr = FieldReader(item, path: "IPAM.Config")
                    return IPAMConfig(
                        subnet: try cr.string("Subnet").flatMap { $0.isEmpty ? nil : $0 },
                        ipRange: try cr.string("IPRange").flatMap { $0.isEmpty ? nil : $0 },
                        gateway: try cr.string("Gateway").flatMap { $0.isEmpty ? nil : $0 },
                        auxAddresses: try cr.stringMap("AuxiliaryAddresses") ?? [:])
                }
            }
        }
    }
}

/// Typed access to the fields of a JSON object, with Go-like type errors.
struct FieldReader {
    let json: JSONValue
    let path: String

    init(_ json: JSONValue, path: String) {
        self.json = json
        self.path = path
    }

    private func field(_ k: String) -> String { path.isEmpty ? k : "\(path).\(k)" }

    func string(_ k: String) throws(APIError) -> String? {
        guard let v = json[k], v != .null else { return nil }
        guard let s = v.stringValue else { throw .invalidParameter("json: cannot unmarshal \(v.typeName) into field \(field(k)) of type string") }
        return s
    }

    func bool(_ k: String) throws(APIError) -> Bool? {
        guard let v = json[k], v != .null else { return nil }
        guard let b = v.boolValue else { throw .invalidParameter("json: cannot unmarshal \(v.typeName) into field \(field(k)) of type bool") }
        return b
    }

    func stringMap(_ k: String) throws(APIError) -> [String: String]? {
        guard let v = json[k], v != .null else { return nil }
        guard let members = v.members else { throw .invalidParameter("json: cannot unmarshal \(v.typeName) into field \(field(k)) of type map[string]string") }
        var out: [String: String] = [:]
        for m in members {
            guard let s = m.value.stringValue else { throw .invalidParameter("json: cannot unmarshal \(m.value.typeName) into field \(field(k)) of type string") }
            out[m.key] = s
        }
        return out
    }
}
