import BerthAPI
import BerthCore
import Testing

@testable import BerthEngine

/// The event log and `/events`' pure parts: replay and live delivery without gaps, time and filter parsing.
@Suite struct EventLogTests {
    @Test func pastThenLiveWithoutGapAndBoundedHistory() async {
        let log = EventLog(capacity: 3)
        for i in 0..<5 { log.publish("container", "create", id: "c\(i)") }
        let (past, live) = log.subscribe()
        #expect(past.map(\.actorID) == ["c2", "c3", "c4"])
        #expect(log.subscriberCount == 1)
        log.publish("network", "connect", id: "n1", attributes: ["container": "c4"])
        var iterator = live.makeAsyncIterator()
        let next = await iterator.next()
        #expect(next?.actorID == "n1" && next?.attributes["container"] == "c4")
        #expect(past.allSatisfy { $0.timeNano <= next!.timeNano })
    }

    @Test func unsubscribesWhenTheConsumerGoesAway() async {
        let log = EventLog()
        do {
            let (_, live) = log.subscribe()
            let task = Task { for await _ in live {} }
            task.cancel()
            await task.value
        }
        #expect(log.subscriberCount == 0)
    }

    @Test func timesAsTheDockerCLISendsThem() throws {
        #expect(try EventHandlers.time("1700000000", name: "since", now: 0) == 1_700_000_000_000_000_000)
        #expect(try EventHandlers.time("1700000000.5", name: "since", now: 0) == 1_700_000_000_500_000_000)
        #expect(try EventHandlers.time("1700000000.000000001", name: "since", now: 0) == 1_700_000_000_000_000_001)
        #expect(try EventHandlers.time(nil, name: "since", now: 0) == nil)
        #expect(throws: BerthError.self) { try EventHandlers.time("10m", name: "since", now: 0) }
    }

    @Test func filtersByTypeActionContainerNetworkAndLabel() {
        let start = EngineEvent(type: "container", action: "start", actorID: "abc123", attributes: ["name": "web", "image": "alpine", "tier": "front"], timeNano: 1)
        let connect = EngineEvent(type: "network", action: "connect", actorID: "net999", attributes: ["name": "alpine-net", "container": "abc123"], timeNano: 2)
        let exec = EngineEvent(type: "container", action: "exec_start: sh -c true", actorID: "abc123", attributes: ["name": "web"], timeNano: 3)
        func f(_ pairs: (String, String)...) -> Filters {
            var x = Filters()
            for (k, v) in pairs { x.add(k, v) }
            return x
        }
        #expect(EventHandlers.matches(start, f(("type", "container"))) && !EventHandlers.matches(connect, f(("type", "container"))))
        #expect(EventHandlers.matches(exec, f(("event", "exec_start"))))
        #expect(EventHandlers.matches(start, f(("container", "web"))) && EventHandlers.matches(connect, f(("container", "abc"))))
        #expect(EventHandlers.matches(connect, f(("network", "alpine-net"))) && !EventHandlers.matches(start, f(("network", "alpine-net"))))
        #expect(EventHandlers.matches(start, f(("label", "tier=front"))) && !EventHandlers.matches(start, f(("label", "tier=back"))))
        #expect(EventHandlers.matches(start, f(("label", "tier"))))
    }
}
