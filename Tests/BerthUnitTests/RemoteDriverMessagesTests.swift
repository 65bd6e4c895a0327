import BerthAPI
import BerthCore
import BerthIPAM
import BerthStore
import Testing

@testable import BerthNetwork

/// The remote driver protocol's JSON as dockerd 20.10 sends and reads it.
@Suite struct RemoteDriverMessagesTests {
    @Test func createNetworkCarriesOptionsAndPoolsAsDockerd() throws {
        let record = NetworkRecord(id: "n1", name: "pnet", driver: "tplug", created: 0, internalNetwork: true, options: ["parent": "br0"])
        let subnet = SubnetConfig(subnet: CIDR("10.55.0.0/24")!, ipRange: nil, gateway: IPAddress("10.55.0.1")!, auxAddresses: ["r": IPAddress("10.55.0.9")!])
        let body = RemoteMessages.createNetwork(Network(record: record, subnets: [subnet])).rendered()
        #expect(body == #"{"NetworkID":"n1","Options":{"com.docker.network.enable_ipv6":false,"com.docker.network.generic":{"parent":"br0"},"com.docker.network.internal":true},"IPv4Data":[{"AddressSpace":"LocalDefault","Pool":"10.55.0.0/24","Gateway":"10.55.0.1/24","AuxAddresses":{"r":"10.55.0.9/24"}}],"IPv6Data":[]}"#)
    }

    @Test func joinRepliesArePlans() throws {
        let reply = try JSONParser.parse(#"{"InterfaceName":{"SrcName":"tpc1","DstPrefix":"eth"},"Gateway":"10.55.0.1","StaticRoutes":[{"Destination":"10.9.0.0/16","RouteType":0,"NextHop":"10.55.0.254"},{"Destination":"10.8.0.0/16","RouteType":1}],"DisableGatewayService":false}"#)
        let plan = try RemoteMessages.JoinPlan(reply)
        #expect(plan.srcName == "tpc1" && plan.dstPrefix == "eth" && plan.gateway4 == IPv4Address("10.55.0.1"))
        #expect(plan.routes == [.init(destination: CIDR("10.9.0.0/16")!, nextHop: IPAddress("10.55.0.254")), .init(destination: CIDR("10.8.0.0/16")!, nextHop: nil)])
        #expect(throws: BerthError.self) { try RemoteMessages.JoinPlan(try JSONParser.parse(#"{"InterfaceName":{}}"#)) }
        #expect(throws: BerthError.self) { try RemoteMessages.JoinPlan(try JSONParser.parse(#"{"InterfaceName":{"SrcName":"x"},"Gateway":"nope"}"#)) }
        #expect(throws: BerthError.self) {
            try RemoteMessages.JoinPlan(try JSONParser.parse(#"{"InterfaceName":{"SrcName":"x"},"StaticRoutes":[{"Destination":"10.0.0.0/8","RouteType":0}]}"#))
        }
    }
}
