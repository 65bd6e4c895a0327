import BerthAPI
import Foundation
import Testing

/// The reference walkthrough's legacy-links part with the real docker CLI (hosts lines, link
/// environment, inspect forms, hosts kept current across the target's restart), `--add-host`
/// with `host-gateway`, and attached `docker run` (output, exit status, piped stdin, `--rm`).
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct LinksAndRunTests {
    func importImages(_ s: DaemonSandbox) throws {
        let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
        #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "busybox:latest").code == 0)
    }

    func docker(_ s: DaemonSandbox, stdin: String? = nil, _ args: String...) throws -> Shell.Result {
        try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host] + args, env: ["DOCKER_CONFIG": s.root + "/dc"], stdin: stdin, timeout: 30)
    }

    @Test func legacyLinksAsDockerd() throws {
        try withSandbox { s in
            try importImages(s)
            #expect(try docker(s, "run", "-d", "--name", "db", "-e", "DB_PASSWORD=secret", "--expose", "5432", "busybox", "sleep", "1000").code == 0)
            let dbID = String(try s.docker("inspect", "-f", "{{.Id}}", "db").out.prefix(12))

            let hosts = try docker(s, "run", "--rm", "--name", "web2", "--link", "db:mydb", "busybox", "cat", "/etc/hosts")
            #expect(hosts.code == 0, "\(hosts.err)")
            let lines = hosts.out.split(separator: "\n").map(String.init)
            #expect(Array(lines.prefix(6)) == [
                "127.0.0.1\tlocalhost", "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet",
                "ff00::0\tip6-mcastprefix", "ff02::1\tip6-allnodes", "ff02::2\tip6-allrouters",
            ])
            #expect(lines.count == 8 && lines[6] == "172.17.0.2\tmydb \(dbID) db" && lines[7].hasPrefix("172.17.0.3\t"), "\(hosts.out)")

            let env = try docker(s, "run", "--rm", "--name", "web2", "--link", "db:mydb", "busybox", "env")
            let vars = env.out.split(separator: "\n").map(String.init).filter { $0.hasPrefix("MYDB_") }
            #expect(vars == [
                "MYDB_PORT=tcp://172.17.0.2:5432", "MYDB_PORT_5432_TCP=tcp://172.17.0.2:5432",
                "MYDB_PORT_5432_TCP_ADDR=172.17.0.2", "MYDB_PORT_5432_TCP_PORT=5432", "MYDB_PORT_5432_TCP_PROTO=tcp",
                "MYDB_NAME=/web2/mydb", "MYDB_ENV_DB_PASSWORD=secret",
            ], "\(env.out)\(env.err)")

            let ping = try docker(s, "run", "--rm", "--name", "web2", "--link", "db", "busybox", "ping", "-c", "1", "-w", "4", "db")
            #expect(ping.code == 0 && ping.out.hasPrefix("PING db (172.17.0.2): 56 data bytes"), "\(ping.out)\(ping.err)")

            #expect(try docker(s, "run", "-d", "--name", "web3", "--link", "db:mydb", "busybox", "sleep", "1000").code == 0)
            #expect(try s.docker("inspect", "-f", "{{json .HostConfig.Links}}", "web3").out == "[\"/db:/web3/mydb\"]\n")
            #expect(try s.docker("inspect", "-f", "{{json .Config.ExposedPorts}}", "db").out == "{\"5432/tcp\":{}}\n")

            // A squatter takes db's address while db is stopped; db comes back with another one, and
            // web3's hosts line follows it.
            #expect(try s.docker("stop", "-t", "0", "db").code == 0)
            #expect(try docker(s, "run", "-d", "--name", "squatter", "busybox", "sleep", "1000").code == 0)
            #expect(try s.docker("start", "db").code == 0)
            let newIP = try s.docker("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "db").out.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(newIP != "172.17.0.2")
            let after = try s.docker("exec", "web3", "cat", "/etc/hosts").out
            #expect(after.contains("\(newIP)\tmydb \(dbID) db\n"), "\(after)")

            // dockerd's errors.
            let missing = try docker(s, "run", "--rm", "--link", "doesnotexist:x", "busybox", "true")
            #expect(missing.code == 125 && missing.err.contains("could not get container for doesnotexist: No such container: doesnotexist"), "\(missing.err)")
            #expect(try s.docker("network", "create", "alpine-net").code == 0)
            #expect(try docker(s, "run", "-d", "--name", "e1", "--network", "alpine-net", "busybox", "sleep", "100").code == 0)
            let foreign = try docker(s, "run", "--rm", "--link", "e1:x", "busybox", "true")
            #expect(foreign.code == 125 && foreign.err.contains("Cannot link to /e1, as it does not belong to the default network"), "\(foreign.err)")
            // On a user network a link is a DNS alias only this container sees (and is not checked).
            #expect(try docker(s, "run", "--rm", "--network", "alpine-net", "--link", "doesnotexist:x", "busybox", "true").code == 0)
            let alias = try docker(s, "run", "--rm", "--network", "alpine-net", "--link", "e1:buddy", "busybox", "ping", "-c", "1", "-w", "4", "buddy")
            #expect(alias.code == 0 && alias.out.hasPrefix("PING buddy (172.18.0.2)"), "\(alias.out)\(alias.err)")
        }
    }

    @Test func addHostAndHostGateway() throws {
        try withSandbox { s in
            try importImages(s)
            #expect(try s.docker("network", "create", "alpine-net").code == 0)
            let hosts = try docker(s, "run", "--rm", "--network", "alpine-net", "--add-host", "outside:10.9.8.7",
                                   "--add-host", "host.docker.internal:host-gateway", "busybox", "cat", "/etc/hosts")
            #expect(hosts.out.contains("10.9.8.7\toutside\n") && hosts.out.contains("172.18.0.1\thost.docker.internal\n"), "\(hosts.out)\(hosts.err)")
            let bad = try docker(s, "run", "--rm", "--add-host", "x:notanip", "busybox", "true")
            #expect(bad.code != 0 && bad.err.contains("invalid IP address in add-host: \"notanip\""), "\(bad.err)")
        }
        // --host-gateway-ip overrides the network's gateway.
        try withSandbox(extraArgs: ["--host-gateway-ip", "192.0.2.10"]) { s in
            try importImages(s)
            let hosts = try docker(s, "run", "--rm", "--add-host", "host.docker.internal:host-gateway", "busybox", "cat", "/etc/hosts")
            #expect(hosts.out.contains("192.0.2.10\thost.docker.internal\n"), "\(hosts.out)\(hosts.err)")
        }
    }

    @Test func attachedRunStreamsOutputStdinAndExitStatus() throws {
        try withSandbox { s in
            try importImages(s)
            let out = try docker(s, "run", "--rm", "busybox", "sh", "-c", "echo out; echo err >&2; exit 4")
            #expect(out.code == 4 && out.out == "out\n" && out.err == "err\n", "\(out)")
            for i in 0..<5 {
                let piped = try docker(s, stdin: "line\(i)\nsecond\n", "run", "-i", "--rm", "busybox", "wc", "-l")
                #expect(piped.code == 0 && piped.out.trimmingCharacters(in: .whitespaces) == "2\n", "\(piped)")
            }
            // --rm removed them all; a named one stays, and `start -a` replays its run.
            #expect(try s.docker("ps", "-aq").out.isEmpty)
            #expect(try docker(s, "run", "--name", "again", "busybox", "echo", "hi").out == "hi\n")
            #expect(try docker(s, "start", "-a", "again").out == "hi\n")
            #expect(try s.docker("restart", "again").code == 0)
        }
    }
}
