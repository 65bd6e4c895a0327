import BerthImage
import Testing

/// `docker import --change` instructions applied to an image's run config.
@Suite("Image --change instructions")
struct ImageChangesTests {
    private func apply(_ changes: String..., to base: ImageRunConfig = ImageRunConfig()) throws -> ImageRunConfig {
        try ImageChanges.apply(changes, to: base)
    }

    @Test("CMD and ENTRYPOINT: exec form as given, shell form through /bin/sh -c")
    func commands() throws {
        #expect(try apply(#"CMD ["sh"]"#).cmd == ["sh"])
        #expect(try apply(#"cmd ["/bin/sh", "-c", "echo hi"]"#).cmd == ["/bin/sh", "-c", "echo hi"])
        #expect(try apply("CMD echo $HOME").cmd == ["/bin/sh", "-c", "echo $HOME"])
        #expect(try apply(#"ENTRYPOINT ["/bin/busybox"]"#).entrypoint == ["/bin/busybox"])
        // ENTRYPOINT drops an inherited CMD, but not one set by the same changes.
        var base = ImageRunConfig()
        base.cmd = ["old"]
        #expect(try apply(#"ENTRYPOINT ["x"]"#, to: base).cmd == nil)
        #expect(try apply(#"CMD ["y"]"#, #"ENTRYPOINT ["x"]"#, to: base).cmd == ["y"])
        // Not JSON: the shell form, brackets and all.
        #expect(try apply("CMD [not json").cmd == ["/bin/sh", "-c", "[not json"])
    }

    @Test("ENV: key=value pairs, quotes, legacy form, replacement and expansion")
    func env() throws {
        let c = try apply(
            "ENV PATH=/usr/sbin:/usr/bin:/sbin:/bin",
            #"ENV A="hello world" B=x\ y C='$literal'"#,
            "ENV LEGACY value with spaces",
            "ENV PATH=/opt/bin:$PATH D=${A}!",
            "ENV E=${UNSET:-fallback} F=${A:+set}")
        #expect(c.env == [
            "PATH=/opt/bin:/usr/sbin:/usr/bin:/sbin:/bin", "A=hello world", "B=x y", "C=$literal",
            "LEGACY=value with spaces", "D=hello world!", "E=fallback", "F=set",
        ])
        #expect(c.environmentValue("A") == "hello world")
        #expect(throws: ImageChanges.Error.invalid("ENV must have two arguments")) { try apply("ENV LONELY") }
        #expect(throws: ImageChanges.Error.invalid("ENV names can not be blank")) { try apply("ENV =x") }
        #expect(throws: ImageChanges.Error.invalid(#"Syntax error - can't find = in "b". Must be of the form: name=value"#)) {
            try apply("ENV a=1 b")
        }
    }

    @Test("EXPOSE, LABEL, USER, VOLUME, WORKDIR")
    func others() throws {
        let c = try apply(
            "EXPOSE 80 53/udp 8000-8002", #"LABEL a=b "c d"="e f""#, "USER www-data:www-data",
            #"VOLUME ["/data", "/logs"]"#, "VOLUME /cache", "WORKDIR /srv", "WORKDIR app/../web/.")
        #expect(c.exposedPorts == ["53/udp", "80/tcp", "8000/tcp", "8001/tcp", "8002/tcp"])
        #expect(c.labels == ["a": "b", "c d": "e f"])
        #expect(c.user == "www-data:www-data")
        #expect(c.volumes == ["/cache", "/data", "/logs"])
        #expect(c.workingDir == "/srv/web")
        #expect(throws: ImageChanges.Error.invalid("invalid proto: tcpx")) { try apply("EXPOSE 80/tcpx") }
        #expect(throws: ImageChanges.Error.invalid("invalid containerPort: 99999")) { try apply("EXPOSE 99999") }
        #expect(throws: ImageChanges.Error.invalid("USER requires exactly one argument")) { try apply("USER a b") }
    }

    @Test("HEALTHCHECK and ONBUILD")
    func healthcheckAndOnbuild() throws {
        let c = try apply("HEALTHCHECK --interval=30s --retries=3 CMD wget -q localhost", "ONBUILD RUN echo hi")
        #expect(c.healthcheck == ImageHealthcheck(test: ["CMD-SHELL", "wget -q localhost"], interval: 30_000_000_000, retries: 3))
        #expect(c.onBuild == ["RUN echo hi"])
        #expect(try apply("HEALTHCHECK NONE").healthcheck?.test == ["NONE"])
        #expect(try apply(#"HEALTHCHECK --timeout=1m30s CMD ["true"]"#).healthcheck
            == ImageHealthcheck(test: ["CMD", "true"], timeout: 90_000_000_000))
        #expect(throws: ImageChanges.Error.invalid("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed")) {
            try apply("ONBUILD ONBUILD RUN x")
        }
    }

    @Test("instructions --change does not allow, in dockerd's words")
    func notAllowed() {
        #expect(throws: ImageChanges.Error.notAllowed("from")) { try apply("FROM scratch") }
        #expect(throws: ImageChanges.Error.notAllowed("run")) { try apply(#"CMD ["sh"]"#, "RUN true") }
        #expect(ImageChanges.Error.notAllowed("run").description == "run is not a valid change command")
    }

    @Test("comments, blank lines and continuations")
    func lines() throws {
        let c = try apply("# a comment", "", "ENV A=1 \\", "    B=2")
        #expect(c.env == ["A=1", "B=2"])
        #expect(try apply().cmd == nil)
    }
}
