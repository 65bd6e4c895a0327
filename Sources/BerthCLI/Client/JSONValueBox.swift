import BerthAPI

/// Wraps a request body so call sites read `body: .init(json)`.
struct JSONValueBox {
    var value: JSONValue
    init(_ value: JSONValue) { self.value = value }
}
