import BerthAPI
import Foundation
import Testing

/// The `/images` endpoints against a real berthd, driven by the docker CLI, raw HTTP and the
/// docker Python SDK, with busybox images made from the host's busybox-static.
@Suite(
    "Image API", .serialized,
    .enabled(if: DaemonSandbox.isRoot, "needs root"),
    .enabled(if: BusyboxRootfs.isAvailable, "needs busybox-static"),
    .enabled(if: DaemonSandbox.dockerCLI != nil, "needs the docker CLI"))
struct ImageAPITests {
    @Test("docker import --change, tag, images, image inspect, history, rmi")
    func importTagListRemove() throws {
        try withSandbox { s in
            let archives = try BusyboxRootfs(directory: s.root + "/archives")
            let rootfs = try archives.busyboxTar()
            let imported = try s.docker("import", "--change", #"CMD ["sh"]"#, "--change", "ENV PATH=/bin", rootfs, "busybox:latest")
            #expect(imported.code == 0, "\(imported.err)")
            let id = imported.out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(id.hasPrefix("sha256:") && id.count == 71, "\(imported.out)")
            let short = String(id.dropFirst(7).prefix(12))
            #expect(try s.docker("tag", "busybox:latest", "alpine:latest").code == 0)

            let table = try s.docker("images").out.split(separator: "\n").map { line in
                line.split(separator: "  ", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) }
            }
            #expect(table.first == ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"])
            let rows = table.dropFirst().sorted { $0.first ?? "" < $1.first ?? "" }
            #expect(rows.map { Array($0.prefix(3)) } == [["alpine", "latest", short], ["busybox", "latest", short]])
            #expect(rows.allSatisfy { $0.count == 5 && $0[3].hasSuffix("ago") && $0[4].hasSuffix("MB") }, "\(rows)")

            #expect(try s.docker("image", "inspect", "alpine", "-f", "{{json .Config.Cmd}}").out == "[\"sh\"]\n")
            let inspect = try s.docker("image", "inspect", "-f", "{{.Id}} {{json .RepoTags}} {{.Comment}} {{.Os}} {{json .Config.Env}}", "busybox")
            #expect(inspect.out == "\(id) [\"alpine:latest\",\"busybox:latest\"] Imported from - linux [\"PATH=/bin\"]\n")
            #expect(try s.docker("images", "-q", "--filter", "reference=busy*").out == short + "\n")
            #expect(try s.docker("images", "--format", "{{.Repository}}:{{.Tag}}", "alpine").out == "alpine:latest\n")
            let history = try s.docker("history", "--format", "{{.ID}} {{.Comment}}", "busybox")
            #expect(history.out == "\(short) Imported from -\n", "\(history.err)")

            let untag = try s.docker("rmi", "alpine")
            #expect(untag.code == 0 && untag.out == "Untagged: alpine:latest\n", "\(untag.err)")
            let missing = try s.docker("rmi", "nope")
            #expect(missing.code == 1 && missing.err == DaemonSandbox.cliNotFound("image", "nope", daemonMessage: "Error response from daemon: No such image: nope:latest") + "\n",
                    "\(missing.err)")
            let bad = try s.docker("image", "inspect", "nope")
            #expect(bad.code == 1 && bad.err.contains("No such image: nope"), "\(bad.err)")

            let removed = try s.docker("rmi", "busybox").out.split(separator: "\n").map(String.init)
            #expect(removed.count == 3, "\(removed)")
            #expect(removed.prefix(2) == ["Untagged: busybox:latest", "Deleted: \(id)"])
            #expect(removed.last?.hasPrefix("Deleted: sha256:") == true)
            #expect(try s.docker("images", "-q").out == "")
        }
    }

    @Test("docker load of a hand-made docker save archive, retagging, errors in the stream")
    func load() throws {
        try withSandbox { s in
            let archives = try BusyboxRootfs(directory: s.root + "/archives")
            let layer = try archives.busyboxTar()
            let first = try archives.saveArchive(layers: [layer], repoTags: ["busybox:latest", "busybox:1.35"])
            let r = try s.docker("load", "-i", first.path)
            #expect(r.code == 0 && r.out == "Loaded image: busybox:latest\nLoaded image: busybox:1.35\n", "\(r.out)\(r.err)")
            #expect(try s.docker("image", "inspect", "-f", "{{.Id}}", "busybox:1.35").out == first.imageID + "\n")

            // The same layer under a newer config: the tag moves, and docker load says so.
            let second = try archives.saveArchive(layers: [layer], repoTags: ["busybox:latest"], created: "2026-11-30T00:00:00Z")
            let moved = try s.docker("load", "-i", second.path)
            #expect(moved.out == "The image busybox:latest already exists, renaming the old one with ID \(first.imageID) to empty string\n"
                + "Loaded image: busybox:latest\n", "\(moved.out)\(moved.err)")

            let untagged = try archives.saveArchive(layers: [layer], repoTags: [], created: "2026-12-01T00:00:00Z")
            #expect(try s.docker("load", "-i", untagged.path).out == "Loaded image ID: \(untagged.imageID)\n")
            #expect(try s.docker("images", "-q", "--filter", "dangling=true").out == String(untagged.imageID.dropFirst(7).prefix(12)) + "\n")

            // Not a docker save archive: 200 from the daemon, the error inside the stream.
            let notSave = try s.docker("load", "-i", layer)
            #expect(notSave.code == 1 && notSave.err.contains("invalid archive"), "\(notSave.err)")
            let (status, text) = try s.api("POST", "/images/load?quiet=1", body: "not a tarball")
            #expect(status == 200 && text.contains(#"{"errorDetail":{"message":"#), "\(text)")
        }
    }

    @Test("raw API: status codes, error texts, versions, filters, prune, pull and save")
    func rawAPI() throws {
        try withSandbox { s in
            let archives = try BusyboxRootfs(directory: s.root + "/archives")
            let rootfs = try archives.busyboxTar()
            #expect(try s.docker("import", rootfs, "localhost:5000/team/app:1").code == 0)
            #expect(try s.docker("import", rootfs).code == 0)  // a dangling image, newest

            func body(_ method: String, _ path: String) throws -> (Int, String) {
                let (status, text) = try s.api(method, path)
                let parts = text.components(separatedBy: "\n\n")
                return (status, parts.dropFirst().joined(separator: "\n\n"))
            }
            func query(_ json: String) -> String { json.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? json }

            // Names with '/' and ':' reach the handlers whole.
            let (found, inspect) = try body("GET", "/images/localhost:5000/team/app:1/json")
            #expect(found == 200 && inspect.contains(#""RepoTags":["localhost:5000/team/app:1"]"#), "\(inspect)")
            #expect(!inspect.contains("VirtualSize") && !inspect.contains(#""Hostname""#))
            let (_, old) = try body("GET", "/v1.41/images/localhost:5000/team/app:1/json")
            #expect(old.contains(#""VirtualSize":"#) && old.contains(#""ContainerConfig":{"Hostname":"""#), "\(old)")
            #expect(try body("GET", "/images/nope/json") == (404, #"{"message":"No such image: nope:latest"}"# + "\n"))
            #expect(try body("GET", "/images/Nope/json")
                == (400, #"{"message":"invalid reference format: repository name must be lowercase"}"# + "\n"))

            let (listed, list) = try body("GET", "/images/json")
            let items = try JSONParser.parse(list).arrayValue ?? []
            #expect(listed == 200 && items.count == 2)
            // Both images are created within the same second, so their order is by id: pick by content.
            let untagged = items.first { $0["RepoTags"] == .array([]) }
            #expect(untagged?["Containers"] == .int(-1), "\(list)")
            let (_, oldList) = try body("GET", "/v1.41/images/json")
            // Go escapes '<' and '>' in JSON strings (\u003c); parsed, they are the placeholders.
            let oldItems = try JSONParser.parse(oldList).arrayValue ?? []
            let oldUntagged = oldItems.first { $0["RepoTags"] == .array([.string("<none>:<none>")]) }
            #expect(oldUntagged?["VirtualSize"] != nil, "\(oldList)")
            let (_, byRef) = try body("GET", "/images/json?filters=" + query(#"{"reference":{"localhost:5000/*/app":true}}"#))
            #expect((try JSONParser.parse(byRef).arrayValue ?? []).count == 1, "\(byRef)")
            #expect(try body("GET", "/images/json?filters=" + query(#"{"dangling":["maybe"]}"#))
                == (400, #"{"message":"invalid filter 'dangling=[maybe]'"}"# + "\n"))
            #expect(try body("GET", "/images/json?filters=" + query(#"{"color":["red"]}"#)).0 == 400)

            #expect(try body("POST", "/images/localhost:5000/team/app:1/tag?repo=app&tag=2") == (201, ""))
            #expect(try body("POST", "/images/nope/tag?repo=app").0 == 404)
            #expect(try body("POST", "/images/app:2/tag?repo=Bad").0 == 400)
            #expect(try body("POST", "/images/app:2/tag?repo=app&tag=-x")
                == (400, #"{"message":"invalid tag format"}"# + "\n"))
            let (historyStatus, history) = try body("GET", "/images/app:2/history")
            #expect(historyStatus == 200 && history.hasPrefix(#"[{"Id":"sha256:"#) && history.contains(#""Tags":["app:2","#), "\(history)")

            let (pulled, pull) = try body("POST", "/images/create?fromImage=busybox&tag=latest")
            #expect(pulled == 500 && pull.contains("cannot pull busybox:latest: no registry is reachable") && pull.contains("docker load"))
            #expect(try body("POST", "/images/create?fromImage=Busybox").0 == 400)
            #expect(try body("POST", "/images/create?fromImage=scratch").0 == 403)
            #expect(try body("GET", "/images/app:2/get").0 == 501)
            #expect(try body("DELETE", "/images/%20").0 == 400)

            let (pruned, prune) = try body("POST", "/images/prune")
            let report = try JSONParser.parse(prune)
            #expect(pruned == 200 && report["ImagesDeleted"]?.arrayValue?.count == 1, "\(prune)")
            #expect(report["SpaceReclaimed"] == .int(0))  // its layer is shared with the tagged image
            #expect(try body("DELETE", "/images/app:2").1 == #"[{"Untagged":"app:2"}]"# + "\n")
            let (_, last) = try body("DELETE", "/images/localhost:5000/team/app:1")
            #expect(last.hasPrefix(#"[{"Untagged":"localhost:5000/team/app:1"},{"Deleted":"sha256:"#), "\(last)")
        }
    }

    @Test("docker Python SDK: import, list, get, tag, load, remove, pull")
    func pythonSDK() throws {
        try withSandbox { s in
            let archives = try BusyboxRootfs(directory: s.root + "/archives")
            let rootfs = try archives.busyboxTar()
            let save = try archives.saveArchive(layers: [rootfs], repoTags: ["saved:1"])
            let r = try s.python("""
            print(api.import_image(src='\(rootfs)', repository='busybox', tag='latest', changes=['CMD ["sh"]']).strip())
            img = client.images.get('busybox')
            print(img.id, img.tags, img.attrs['Config']['Cmd'])
            print(img.tag('sdk', 'two'))
            print(sorted(t for i in client.images.list() for t in i.tags))
            print([i.tags for i in client.images.load(open('\(save.path)', 'rb').read())])
            client.images.remove('sdk:two')
            print(sorted(t for i in client.images.list() for t in i.tags))
            try:
                client.images.get('nope')
            except docker.errors.ImageNotFound as e:
                print(e.status_code, e.explanation)
            try:
                client.images.pull('busybox')
            except docker.errors.APIError as e:
                print(e.status_code)
            """)
            #expect(r.code == 0, "\(r.err)")
            let lines = r.out.split(separator: "\n").map(String.init)
            #expect(lines.count == 8, "\(r.out)")
            guard lines.count == 8, let status = try? JSONParser.parse(lines[0]), let id = status["status"]?.stringValue else { return }
            #expect(lines[1] == "\(id) ['busybox:latest'] ['sh']")
            #expect(lines[2] == "True")
            #expect(lines[3] == "['busybox:latest', 'sdk:two']")
            #expect(lines[4] == "[['saved:1']]")
            #expect(lines[5] == "['busybox:latest', 'saved:1']")
            #expect(lines[6] == "404 No such image: nope:latest")
            #expect(lines[7] == "500")
        }
    }
}
