import BerthAPI
import Testing

@testable import BerthCLI

/// The berth CLI's `-p` parsing, `port` output and PORTS column, against the docker CLI's behaviour.
@Suite struct CLIPortTests {
    typealias B = PublishSpec.Binding

    @Test func publishFormsAsTheDockerCLIReadsThem() throws {
        #expect(try PublishSpec.parse("80") == [B(key: "80/tcp", hostIP: "", hostPort: "")])
        #expect(try PublishSpec.parse("8080:80") == [B(key: "80/tcp", hostIP: "", hostPort: "8080")])
        #expect(try PublishSpec.parse("127.0.0.1:8080:80/udp") == [B(key: "80/udp", hostIP: "127.0.0.1", hostPort: "8080")])
        #expect(try PublishSpec.parse("[::1]:8080:80") == [B(key: "80/tcp", hostIP: "::1", hostPort: "8080")])
        #expect(try PublishSpec.parse("127.0.0.1::80/sctp") == [B(key: "80/sctp", hostIP: "127.0.0.1", hostPort: "")])
        #expect(try PublishSpec.parse("8000-8001:80-81") == [
            B(key: "80/tcp", hostIP: "", hostPort: "8000"), B(key: "81/tcp", hostIP: "", hostPort: "8001"),
        ])
        // A host range for one container port goes whole to the daemon, which picks one.
        #expect(try PublishSpec.parse("8000-8010:80") == [B(key: "80/tcp", hostIP: "", hostPort: "8000-8010")])
        for (bad, message) in [
            ("99999:80", "invalid hostPort: 99999"), ("8080:99999", "invalid containerPort: 99999"),
            ("8080:80/xyz", "invalid proto: xyz"), ("300.1.1.1:8080:80", "invalid IP address: 300.1.1.1"),
            ("8000-8002:80-81", "invalid ranges specified for container and host Ports: 80-81 and 8000-8002"),
        ] {
            #expect(throws: CLIError.self) { try PublishSpec.parse(bad) }
            do { _ = try PublishSpec.parse(bad) } catch { #expect(error.description == message) }
        }
    }

    @Test func portLinesAndColumnMatchTheDockerCLI() throws {
        let ports = try JSONParser.parse(#"""
            {"5353/udp":[{"HostIp":"0.0.0.0","HostPort":"5353"}],"80/tcp":[{"HostIp":"0.0.0.0","HostPort":"8080"},{"HostIp":"::","HostPort":"8080"}],"90/tcp":null}
            """#)
        #expect(try ContainerPort.lines(ports, privatePort: nil, container: "web")
            == ["80/tcp -> 0.0.0.0:8080", "80/tcp -> [::]:8080", "5353/udp -> 0.0.0.0:5353"])
        #expect(try ContainerPort.lines(ports, privatePort: "80", container: "web") == ["0.0.0.0:8080", "[::]:8080"])
        #expect(throws: CLIError.self) { try ContainerPort.lines(ports, privatePort: "80/udp", container: "web") }
        #expect(throws: CLIError.self) { try ContainerPort.lines(ports, privatePort: "90", container: "web") }
        do { _ = try ContainerPort.lines(ports, privatePort: "90", container: "web") } catch {
            #expect(error.description == "Error: No public port '90/tcp' published for web")
        }
        let summary = try JSONParser.parse(#"""
            [{"IP":"::","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"IP":"0.0.0.0","PrivatePort":80,"PublicPort":8080,"Type":"tcp"},{"PrivatePort":90,"Type":"tcp"}]
            """#)
        #expect(ContainerPs.ports(summary.arrayValue ?? []) == "0.0.0.0:8080->80/tcp, 90/tcp, [::]:8080->80/tcp")
    }
}
