import BerthAPI
import BerthCore
import Testing

@testable import BerthEngine

/// `GET /events` filters as dockerd applies them: label values AND-ed, container and network by
/// id or name prefix, images with or without their tag.
@Suite struct EventFilterTests {
    static let start = EngineEvent(
        type: "container", action: "start", actorID: "abc123" + String(repeating: "0", count: 58),
        attributes: ["name": "kproj_web_1", "image": "alpine:latest", "com.docker.compose.project": "kproj", "com.docker.compose.service": "web"],
        timeNano: 1)
    static let connect = EngineEvent(
        type: "network", action: "connect", actorID: "def456" + String(repeating: "0", count: 58),
        attributes: ["name": "kproj_front", "container": start.actorID, "type": "bridge"], timeNano: 2)

    static func matches(_ e: EngineEvent, _ v: [String: [String]]) -> Bool { EventHandlers.matches(e, Filters(v)) }

    @Test func labelsAreAllRequiredOtherValuesAreAlternatives() {
        #expect(Self.matches(Self.start, ["label": ["com.docker.compose.project=kproj", "com.docker.compose.service=web"]]))
        #expect(!Self.matches(Self.start, ["label": ["com.docker.compose.project=kproj", "com.docker.compose.service=api"]]))
        #expect(Self.matches(Self.start, ["container": ["kproj_web", "other"]]))
        #expect(Self.matches(Self.start, ["container": ["abc1"]]))
        #expect(!Self.matches(Self.start, ["container": ["web"]]))
        #expect(Self.matches(Self.connect, ["network": ["kproj_fr"], "type": ["network"]]))
        #expect(!Self.matches(Self.connect, ["network": ["kproj_back"]]))
        #expect(Self.matches(Self.start, ["image": ["alpine"]]) && Self.matches(Self.start, ["image": ["alpine:latest"]]))
        #expect(!Self.matches(Self.start, ["image": ["alpine:3"]]))
        #expect(Self.matches(Self.start, ["event": ["die", "start"]]) && !Self.matches(Self.start, ["event": ["die"]]))
    }
}
