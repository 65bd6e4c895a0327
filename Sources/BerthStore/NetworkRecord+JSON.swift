import Foundation

extension NetworkRecord {
    /// The record as JSON, as the cluster store keeps a global network.
    public var jsonBytes: [UInt8] {
        Array((try? JSONEncoder().encode(self)) ?? Data())
    }

    /// A record from `jsonBytes`; nil when the bytes are not one.
    public init?(jsonBytes: [UInt8]) {
        guard let r = try? JSONDecoder().decode(NetworkRecord.self, from: Data(jsonBytes)) else { return nil }
        self = r
    }
}
