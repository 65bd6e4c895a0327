import BerthAPI
import BerthCLI
import Testing

/// The berth CLI asks for the API version `DOCKER_API_VERSION` names, as the docker CLI does.
@Suite struct EngineClientVersionTests {
    @Test func requestedVersionIsUsedAndBadOnesAreRefused() throws {
        #expect(try EngineClient(host: "unix:///run/x.sock", requestedVersion: "1.41").apiVersion == APIVersion(1, 41))
        #expect(try EngineClient(host: "/run/x.sock", requestedVersion: nil).apiVersion == .current)
        #expect(try EngineClient(host: "/run/x.sock", requestedVersion: "").apiVersion == .current)
        let error = #expect(throws: EngineClient.ConnectionError.self) {
            try EngineClient(host: "/run/x.sock", requestedVersion: "one.41")
        }
        #expect(error?.description == "DOCKER_API_VERSION=one.41 is not an API version: give one such as 1.41, or unset it")
    }
}
