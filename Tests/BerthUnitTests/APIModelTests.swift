import BerthCore
import Testing

@testable import BerthAPI

@Suite struct APIModelTests {
    @Test func jsonRoundTripKeepsOrderAndEscapesLikeGo() throws {
        let v = try JSONParser.parse(#"{"b":1,"a":[true,null,"x<y&z"],"c":{"d":-2.5}}"#)
        #expect(v.rendered() == #"{"b":1,"a":[true,null,"x\u003cy\u0026z"],"c":{"d":-2.5}}"#)
        #expect(JSONValue.stringMap(["z": "1", "a": "2"]).rendered() == #"{"a":"2","z":"1"}"#)
        #expect(JSONValue.stringMap(nil).rendered() == "null")
        #expect(JSONValue.obj(["a": .array([]), "b": .obj([:])]).rendered(indent: "    ") == "{\n    \"a\": [],\n    \"b\": {}\n}")
    }

    @Test(arguments: ["", "{", "[1,]", "{\"a\" 1}", "tru", "\"\\x\"", "01x", "{\"a\":1}}", String(repeating: "[", count: 600)])
    func malformedJSONThrows(_ text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test func unicodeEscapes() throws {
        #expect(try JSONParser.parse(#""\u00e9\ud83d\ude00""#) == .string("é😀"))
    }

    @Test func createRequestIsReadCaseInsensitively() throws {
        let body = try JSONParser.parse(#"{"name":"n1","DRIVER":"bridge","ipam":{"config":[{"subnet":"10.5.0.0/24","Gateway":"10.5.0.254","AuxiliaryAddresses":{"r":"10.5.0.9"}}]},"Unknown":42,"options":{"k":"v"},"EnableIPv6":true}"#)
        let r = try NetworkCreateRequest(json: body)
        #expect(r.name == "n1")
        #expect(r.driver == "bridge")
        #expect(r.enableIPv6 == true)
        #expect(r.ipamConfig == [.init(subnet: "10.5.0.0/24", gateway: "10.5.0.254", auxAddresses: ["r": "10.5.0.9"])])
        #expect(r.options == ["k": "v"])
    }

    @Test func createRequestTypeErrorsNameTheField() throws {
        let body = try JSONParser.parse(#"{"Name":5}"#)
        #expect(throws: APIError.invalidParameter("json: cannot unmarshal number into field Name of type string")) {
            try NetworkCreateRequest(json: body)
        }
        #expect(throws: APIError.self) { try NetworkCreateRequest(json: .array([])) }
        #expect(throws: APIError.self) { try NetworkCreateRequest(json: JSONParser.parse(#"{"Name":"x","IPAM":{"Config":"10.0.0.0/8"}}"#)) }
    }

    @Test func filtersAcceptBothEncodings() throws {
        let cli = try Filters(json: #"{"name":{"alpine":true},"driver":{"bridge":true}}"#)
        let sdk = try Filters(json: #"{"name":["alpine"],"driver":["bridge"]}"#)
        #expect(cli == sdk)
        #expect(cli.get("name") == ["alpine"])
        #expect(try Filters(json: cli.json) == cli)
        #expect(throws: APIError.self) { try Filters(json: #"{"name":"alpine"}"#) }
        #expect(throws: APIError.self) { try Filters(json: "[") }
        #expect(try Filters(json: "").isEmpty)
    }

    @Test func apiVersions() {
        #expect(APIVersion("1.41") == APIVersion(1, 41))
        #expect(APIVersion("1.41") ?? .current < APIVersion.current)
        #expect(APIVersion("1.4a") == nil)
        #expect(APIVersion("1") == nil)
        #expect(APIVersion("1.") == nil)
    }

    @Test func networkResourceFieldsFollowTheVersion() {
        let n = NetworkResource(
            name: "alpine-net", id: String(repeating: "a", count: 64), created: "2026-11-29T04:54:11.62587056Z", scope: "local",
            driver: "bridge", enableIPv4: true, enableIPv6: false, ipamDriver: "default", ipamOptions: [:],
            ipamConfig: [.init(subnet: "172.18.0.0/16", gateway: "172.18.0.1")], internalNetwork: false, attachable: false,
            ingress: false, containers: [:], options: [:], labels: [:])
        let old = n.json(version: APIVersion(1, 41)).rendered()
        #expect(old == #"{"Name":"alpine-net","Id":"\#(String(repeating: "a", count: 64))","Created":"2026-11-29T04:54:11.62587056Z","Scope":"local","Driver":"bridge","EnableIPv6":false,"IPAM":{"Driver":"default","Options":{},"Config":[{"Subnet":"172.18.0.0/16","Gateway":"172.18.0.1"}]},"Internal":false,"Attachable":false,"Ingress":false,"ConfigFrom":{"Network":""},"ConfigOnly":false,"Containers":{},"Options":{},"Labels":{}}"#)
        #expect(n.json(version: APIVersion(1, 50))["EnableIPv4"] == .bool(true))
        #expect(n.json(version: APIVersion(1, 41))["EnableIPv4"] == nil)
        #expect(n.json(version: .current)["Peers"] == nil, "only global networks have Peers")
        var global = n
        global.peers = [.init(name: "host1", ip: "10.98.0.11"), .init(name: "host2", ip: "10.98.0.12")]
        #expect(global.json(version: .current).rendered().hasSuffix(#""Labels":{},"Peers":[{"Name":"host1","IP":"10.98.0.11"},{"Name":"host2","IP":"10.98.0.12"}]}"#))
    }
}

@Suite struct FilterLabelTests {
    @Test func emptyAndMalformedLabelFiltersNeverCrash() {
        let labels = ["tier": "db", "empty": ""]
        #expect(Filters(["label": [""]]).matchLabels(labels) == false)
        #expect(Filters(["label": ["="]]).matchLabels(labels) == false)
        #expect(Filters(["label": ["tier"]]).matchLabels(labels))
        #expect(Filters(["label": ["tier=db"]]).matchLabels(labels))
        #expect(Filters(["label": ["empty="]]).matchLabels(labels))
        #expect(Filters(["label": ["tier=web"]]).matchLabels(labels) == false)
    }
}
