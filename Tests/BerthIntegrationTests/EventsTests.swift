import BerthAPI
import Foundation
import Testing

/// `docker events` against berthd: live events in dockerd's order and shape, `--since`/`--until`
/// replays, filters.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct EventsTests {
    @Test func containerAndNetworkEvents() throws {
        try withSandbox { s in
            let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
            #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
            let start = Int(Date().timeIntervalSince1970) - 1
            #expect(try s.docker("network", "create", "alpine-net").code == 0)
            #expect(try s.docker("run", "-d", "--name", "evt", "--label", "team=net", "alpine", "sleep", "100").code == 0)
            #expect(try s.docker("network", "connect", "alpine-net", "evt").code == 0)
            #expect(try s.docker("stop", "-t", "1", "evt").code == 0)
            #expect(try s.docker("rm", "evt").code == 0)
            let end = Int(Date().timeIntervalSince1970) + 1

            let all = try s.docker("events", "--since", "\(start)", "--until", "\(end)",
                                   "--format", "{{.Type}} {{.Action}} {{.Actor.Attributes.name}}")
            #expect(all.code == 0, "\(all.err)")
            #expect(all.out.split(separator: "\n").map(String.init) == [
                "network create alpine-net",
                "container create evt", "network connect bridge", "container start evt",
                "network connect alpine-net",
                "container kill evt", "container kill evt", "container die evt",
                "network disconnect alpine-net", "network disconnect bridge", "container stop evt",
                "container destroy evt",
            ], "\(all.out)")

            // Filters: by type and action, by label, by container for network events.
            let dies = try s.docker("events", "--since", "\(start)", "--until", "\(end)", "--filter", "event=die",
                                    "--format", "{{.Actor.Attributes.exitCode}} {{.Actor.Attributes.image}} {{.From}}")
            #expect(dies.out == "137 alpine alpine\n", "\(dies.out)")
            let labelled = try s.docker("events", "--since", "\(start)", "--until", "\(end)", "--filter", "label=team=net",
                                        "--filter", "event=start", "--format", "{{.Action}}")
            #expect(labelled.out == "start\n")
            let net = try s.docker("events", "--since", "\(start)", "--until", "\(end)", "--filter", "network=alpine-net",
                                   "--format", "{{.Action}}")
            #expect(net.out == "create\nconnect\ndisconnect\n", "\(net.out)")

            // The raw shape: dockerd's events.Message fields in its order.
            let (status, raw) = try s.api("GET", "/v1.41/events?since=\(start)&until=\(end)&filters=%7B%22event%22%3A%5B%22destroy%22%5D%7D")
            #expect(status == 200)
            let line = try #require(raw.split(separator: "\n").last { $0.hasPrefix("{") })
            let doc = try JSONParser.parse(String(line))
            #expect(doc.members?.map(\.key) == ["status", "id", "from", "Type", "Action", "Actor", "scope", "time", "timeNano"])
            #expect(doc["Actor"]?["Attributes"]?.members?.map(\.key) == ["image", "name", "team"])

            let bad = try s.docker("events", "--since", "\(end)", "--until", "\(start)")
            #expect(bad.code != 0 && bad.err.contains("cannot be after `until` time"), "\(bad.err)")
        }
    }
}
