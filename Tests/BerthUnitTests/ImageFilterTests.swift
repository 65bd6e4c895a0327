import BerthAPI
import BerthCore
import BerthImage
import Testing

@testable import BerthEngine

/// The pure parts of the image endpoints: `GET /images/json` filters (Go's `path.Match` globs,
/// durations, dockerd's messages), `repo`/`tag` parameters, and the `docker load` lines.
@Suite struct ImageFilterTests {
    private static func filter(_ values: [String: [String]], accepted: Set<String> = ImageFilter.listKeys) async throws -> ImageFilter {
        try await ImageFilter(Filters(values), accepted: accepted, now: Timestamp(nanoseconds: 1_000_000_000_000)) { name in
            name == "old" ? Timestamp(nanoseconds: 100) : nil
        }
    }

    @Test("reference globs match familiar and full names, with and without the tag")
    func referenceGlobs() async throws {
        let tags = ["busybox:latest", "localhost:5000/team/app:1", "quay.io/x/y:2"]
        #expect(try await Self.filter(["reference": ["busy*"]]).matchingTags(tags) == ["busybox:latest"])
        #expect(try await Self.filter(["reference": ["busybox:lat?st"]]).matchingTags(tags) == ["busybox:latest"])
        #expect(try await Self.filter(["reference": ["docker.io/library/busybox"]]).matchingTags(tags) == ["busybox:latest"])
        // `*` stops at '/'.
        #expect(try await Self.filter(["reference": ["localhost:5000/*"]]).matchingTags(tags) == [])
        #expect(try await Self.filter(["reference": ["localhost:5000/*/app"]]).matchingTags(tags) == ["localhost:5000/team/app:1"])
        #expect(try await Self.filter(["reference": ["[a-q]*/*/[^a]:[0-9]"]]).matchingTags(tags) == ["quay.io/x/y:2"])
        #expect(try await Self.filter(["reference": ["nope", "quay.io/x/\\y"]]).matchingTags(tags) == ["quay.io/x/y:2"])
        #expect(try await Self.filter([:]).matchingTags(tags) == tags)
        for bad in ["[", "[]", "[a-", "x\\", "[z-a]"] {
            await #expect(throws: BerthError.invalidArgument("syntax error in pattern")) {
                try await Self.filter(["reference": [bad]]).matchingTags(tags)
            }
        }
        // Many stars cost pattern × name steps, not exponential time.
        let long = String(repeating: "a", count: 200)
        #expect(try await Self.filter(["reference": [String(repeating: "*a", count: 40) + "b"]]).matchingTags([long]) == [])
    }

    @Test("dangling, labels, before/since/until, and dockerd's errors")
    func otherFilters() async throws {
        #expect(try await Self.filter(["dangling": ["true"]]).dangling == true)
        #expect(try await Self.filter(["dangling": ["0"]]).dangling == false)
        await #expect(throws: BerthError.invalidArgument("invalid filter 'dangling=[maybe]'")) {
            try await Self.filter(["dangling": ["maybe"]])
        }
        await #expect(throws: BerthError.invalidArgument("invalid filter 'color'")) { try await Self.filter(["color": ["red"]]) }
        await #expect(throws: BerthError.invalidArgument("invalid filter 'label!'")) { try await Self.filter(["label!": ["a"]]) }

        let labels = try await Self.filter(["label": ["a", "b=2"]])
        #expect(labels.admits(created: nil, labels: ["a": "1", "b": "2"]))
        #expect(!labels.admits(created: nil, labels: ["a": "1", "b": "3"]))
        #expect(!labels.admits(created: nil, labels: nil))
        #expect(try await Self.filter(["label": [""]]).admits(created: nil, labels: ["a": "1"]) == false)
        let prune = try await Self.filter(["label!": ["keep"]], accepted: ImageFilter.pruneKeys)
        #expect(!prune.admits(created: nil, labels: ["keep": ""]))
        #expect(prune.admits(created: nil, labels: nil))

        // `before` an image created at 100 ns; `until` 10 minutes before now (1000 s).
        let before = try await Self.filter(["before": ["old"]])
        #expect(before.admits(created: Timestamp(nanoseconds: 99), labels: nil))
        #expect(!before.admits(created: Timestamp(nanoseconds: 100), labels: nil))
        let until = try await Self.filter(["until": ["10m"]])
        #expect(until.createdBefore == Timestamp(nanoseconds: 400_000_000_000))
        #expect(try await Self.filter(["until": ["1h30m"]]).createdBefore == Timestamp(nanoseconds: 1_000_000_000_000 - 5_400_000_000_000))
        #expect(try await Self.filter(["until": ["2026-01-02"]]).createdBefore == Timestamp(parsing: "2026-01-02T00:00:00Z"))
        #expect(try await Self.filter(["since": ["old"]]).admits(created: Timestamp(nanoseconds: 101), labels: nil))
        await #expect(throws: BerthError.self) { try await Self.filter(["until": ["soon"]]) }
        #expect(ImageFilter.duration("1.5h") == 5_400_000_000_000)
        #expect(ImageFilter.duration("h") == nil && ImageFilter.duration("10") == nil && ImageFilter.duration("") == nil)
    }

    @Test("repo and tag parameters as dockerd's RepoTagReference reads them")
    func repoTag() throws {
        #expect(try ImageHandlers.repoTag("busybox", "")?.description == "docker.io/library/busybox:latest")
        #expect(try ImageHandlers.repoTag("busybox:1", "")?.familiarString == "busybox:1")
        #expect(try ImageHandlers.repoTag("busybox:1", "2")?.familiarString == "busybox:2")
        #expect(try ImageHandlers.repoTag("localhost:5000/app", "x")?.familiarString == "localhost:5000/app:x")
        #expect(try ImageHandlers.repoTag("", "x") == nil)
        #expect(throws: BerthError.invalidArgument("invalid tag format")) { try ImageHandlers.repoTag("busybox", "a/b") }
        #expect(throws: BerthError.invalidArgument("cannot import digest reference")) {
            try ImageHandlers.repoTag("busybox@sha256:" + String(repeating: "a", count: 64), "")
        }
        #expect(throws: BerthError.invalidArgument("invalid reference format: repository name must be lowercase")) {
            try ImageHandlers.repoTag("Busybox", "")
        }
        #expect(throws: BerthError.forbidden("'scratch' is a reserved name")) { try ImageHandlers.pullError("scratch", tag: "") }
        #expect(try ImageHandlers.pullError("busybox:", tag: "").message.hasPrefix("cannot pull busybox:latest: no registry"))
        #expect(try ImageHandlers.pullError("quay.io/x/y", tag: "sha256:" + String(repeating: "b", count: 64)).code == .internalError)
    }

    @Test("docker load lines: tags, moved tags, and ids when the last image is untagged")
    func loadLines() {
        let a = LoadedImage(id: "sha256:a", repoTags: ["busybox:latest", "busybox:1"])
        let b = LoadedImage(id: "sha256:b", repoTags: [])
        #expect(ImageViews.loadLines([a], previous: ["busybox:latest": "sha256:old", "busybox:1": "sha256:a"]) == [
            "The image busybox:latest already exists, renaming the old one with ID sha256:old to empty string\n",
            "Loaded image: busybox:latest\n", "Loaded image: busybox:1\n",
        ])
        #expect(ImageViews.loadLines([a, b], previous: [:]).suffix(2) == ["Loaded image ID: sha256:a\n", "Loaded image ID: sha256:b\n"])
        #expect(ImageViews.loadLines([b, a], previous: [:]) == ["Loaded image: busybox:latest\n", "Loaded image: busybox:1\n"])
        let stream = ImageViews.stream([.obj(["stream": .string("Loaded image: x\n")]), ImageViews.streamError(.notFound("gone <x>"))])
        #expect(String(decoding: stream.body, as: UTF8.self)
            == #"{"stream":"Loaded image: x\n"}"# + "\r\n" + #"{"errorDetail":{"message":"gone \u003cx\u003e"},"error":"gone \u003cx\u003e"}"# + "\r\n")
    }
}
