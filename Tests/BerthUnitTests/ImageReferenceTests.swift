import BerthImage
import Testing

/// Reference parsing and normalisation, checked against what dockerd's reference library does.
@Suite("Image references")
struct ImageReferenceTests {
    private static let hex = String(repeating: "ab", count: 32)

    @Test("normalisation", arguments: [
        // input, full name, tag, familiar string with default tag
        ("alpine", "docker.io/library/alpine", nil, "alpine:latest"),
        ("alpine:3.19", "docker.io/library/alpine", "3.19", "alpine:3.19"),
        ("library/alpine", "docker.io/library/alpine", nil, "alpine:latest"),
        ("docker.io/library/alpine:latest", "docker.io/library/alpine", "latest", "alpine:latest"),
        ("docker.io/alpine", "docker.io/library/alpine", nil, "alpine:latest"),
        ("index.docker.io/foo/bar", "docker.io/foo/bar", nil, "foo/bar:latest"),
        ("foo/bar:v_1.0-rc", "docker.io/foo/bar", "v_1.0-rc", "foo/bar:v_1.0-rc"),
        ("docker.io/library/a/b", "docker.io/library/a/b", nil, "library/a/b:latest"),
        ("localhost:5000/app:v1", "localhost:5000/app", "v1", "localhost:5000/app:v1"),
        ("localhost/app", "localhost/app", nil, "localhost/app:latest"),
        ("quay.io/coreos/etcd", "quay.io/coreos/etcd", nil, "quay.io/coreos/etcd:latest"),
        ("localhost:5000", "docker.io/library/localhost", "5000", "localhost:5000"),
        ("a/b/c/d", "docker.io/a/b/c/d", nil, "a/b/c/d:latest"),
        ("my_app", "docker.io/library/my_app", nil, "my_app:latest"),
        ("my__app.x--y", "docker.io/library/my__app.x--y", nil, "my__app.x--y:latest"),
        // An uppercase first component is taken for a registry, as dockerd does.
        ("Registry/app", "Registry/app", nil, "Registry/app:latest"),
        ("sha256:abc", "docker.io/library/sha256", "abc", "sha256:abc"),
    ] as [(String, String, String?, String)])
    func normalise(input: String, name: String, tag: String?, familiar: String) throws {
        let ref = try ImageReference(parsing: input)
        #expect(ref.name == name)
        #expect(ref.tag == tag)
        #expect(ref.withDefaultTag.familiarString == familiar)
    }

    @Test("digest references keep their digest and get no default tag")
    func digest() throws {
        let ref = try ImageReference(parsing: "busybox@sha256:" + Self.hex)
        #expect(ref.digest == "sha256:" + Self.hex)
        #expect(ref.withDefaultTag.tag == nil)
        #expect(ref.familiarString == "busybox@sha256:" + Self.hex)
        #expect(ref.description == "docker.io/library/busybox@sha256:" + Self.hex)
        #expect(throws: ImageReference.Error.invalidFormat) { try ImageReference(parsing: "busybox@sha256:abc") }
    }

    @Test("invalid references, in dockerd's words", arguments: [
        ("", ImageReference.Error.invalidFormat),
        ("Alpine", .uppercase),
        ("foo/Bar", .uppercase),
        ("alpine:", .invalidFormat),
        (":latest", .invalidFormat),
        ("alpine:-x", .invalidFormat),
        ("alpine:" + String(repeating: "t", count: 129), .invalidFormat),
        ("foo bar", .invalidFormat),
        ("-app", .invalidFormat),
        ("app-", .invalidFormat),
        ("a..b", .invalidFormat),
        ("a___b", .invalidFormat),
        ("foo//bar", .invalidFormat),
        ("foo/", .invalidFormat),
        ("bad_domain.io:port/x", .invalidFormat),
        (String(repeating: "ab", count: 32), .hexName(String(repeating: "ab", count: 32))),
        (String(repeating: "a", count: 240), .nameTooLong),
    ])
    func invalid(input: String, error: ImageReference.Error) {
        #expect(throws: error) { try ImageReference(parsing: input) }
    }

    @Test("error messages")
    func messages() {
        #expect(ImageReference.Error.invalidFormat.description == "invalid reference format")
        #expect(ImageReference.Error.uppercase.description == "invalid reference format: repository name must be lowercase")
        #expect(ImageReference.Error.hexName("x").description
            == "invalid repository name (x), cannot specify 64-byte hexadecimal strings")
    }

    @Test("lookups: full ids with or without sha256:, anything else as a reference")
    func lookup() throws {
        #expect(try ImageReference.lookup(Self.hex) == .id(Self.hex))
        #expect(try ImageReference.lookup("sha256:" + Self.hex) == .id(Self.hex))
        #expect(try ImageReference.lookup("abcdef") == .named(try ImageReference(parsing: "abcdef")))
        #expect(try ImageReference.lookup("sha256:abcd") == .named(try ImageReference(parsing: "sha256:abcd")))
        #expect(throws: ImageReference.Error.uppercase) { try ImageReference.lookup("NOPE") }
    }
}
