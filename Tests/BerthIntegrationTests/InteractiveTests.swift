import Foundation
import Testing

/// Terminals and streamed stdin with the real docker CLI: `run -it`, `exec -it` (with the
/// client's terminal size), `exec -i` with piped input, exit statuses. The CLI gets a terminal
/// from util-linux's `script`.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable
    && FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "needs root, the docker CLI, busybox-static and script"))
struct InteractiveTests {
    /// Runs `docker ARGS` under a terminal of `rows`x`cols`, typing `input` lines slowly; returns
    /// the terminal's output (carriage returns removed) and the exit status.
    func inTerminal(_ s: DaemonSandbox, _ args: String, input: [String] = [], rows: Int = 24, cols: Int = 80,
                    cli: String = DaemonSandbox.dockerCLI!) throws -> (out: String, code: Int32) {
        // The command goes into a file: `args` has quotes of its own that must reach the inner shell.
        let file = s.root + "/terminal-\(UInt32.random(in: 0...UInt32.max)).sh"
        try "stty rows \(rows) cols \(cols)\nexec \(cli) -H \(s.host) \(args)\n".write(toFile: file, atomically: true, encoding: .utf8)
        let typed = input.map { "sleep 1; printf '%s\\r' '\($0)'; " }.joined() + "sleep 1"
        let r = try Shell.run("/bin/sh", ["-c", "(\(typed)) | script -qec 'sh \(file)' /dev/null"],
                              env: ["DOCKER_CONFIG": s.root + "/dc"], timeout: 60)
        return (r.out.replacingOccurrences(of: "\r", with: ""), r.code)
    }

    @Test func terminalsAndStreamedStdin() throws {
        try withSandbox { s in
            let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
            #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)

            // The client's terminal size reaches the container at creation (HostConfig.ConsoleSize). CLIs
            // before 23 send no ConsoleSize; their resize comes just after the start, so the shell waits for it.
            let wait = DaemonSandbox.legacyDockerCLI ? "sleep 1; " : ""
            let run = try inTerminal(s, "run -it --rm alpine sh -c 'tty; \(wait)stty size; exit 3'", rows: 30, cols: 90)
            #expect(run.code == 3 && run.out.contains("/dev/pts/0\n30 90\n"), "\(run)")

            #expect(try s.docker("run", "-dit", "--name", "box", "alpine", "sh").code == 0)
            let exec = try inTerminal(s, "exec -it box sh", input: ["echo in-$((6*7)); stty size", "exit 7"], rows: 33, cols: 101)
            #expect(exec.code == 7 && exec.out.contains("in-42\n") && exec.out.contains("33 101\n"), "\(exec)")

            let piped = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host, "exec", "-i", "box", "wc", "-l"],
                                      env: ["DOCKER_CONFIG": s.root + "/dc"], stdin: "a\nb\nc\n", timeout: 30)
            #expect(piped.code == 0 && piped.out.trimmingCharacters(in: .whitespacesAndNewlines) == "3", "\(piped)")

            let missing = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host, "exec", "-i", "box", "nosuchcmd"],
                                        env: ["DOCKER_CONFIG": s.root + "/dc"], stdin: "", timeout: 30)
            #expect(missing.code == 127 && missing.err.contains("executable file not found"), "\(missing)")

            // The same with the berth CLI.
            let berth = DaemonSandbox.binDir + "/berth"
            let attached = try Shell.run(berth, ["-H", s.host, "run", "--rm", "alpine", "sh", "-c", "echo out; echo err >&2; exit 3"])
            #expect(attached.code == 3 && attached.out == "out\n" && attached.err == "err\n", "\(attached)")
            let bPiped = try Shell.run(berth, ["-H", s.host, "run", "-i", "--rm", "alpine", "wc", "-l"], stdin: "x\ny\n")
            #expect(bPiped.code == 0 && bPiped.out.trimmingCharacters(in: .whitespacesAndNewlines) == "2", "\(bPiped)")
            let bExec = try inTerminal(s, "exec -it box sh", input: ["echo b-$((2*3)); stty size", "exit 6"], rows: 40, cols: 120, cli: berth)
            #expect(bExec.code == 6 && bExec.out.contains("b-6\n") && bExec.out.contains("40 120\n"), "\(bExec)")
            let bRun = try inTerminal(s, "run -it --rm alpine sh", input: ["echo r-$((3*3))", "exit 2"], cli: berth)
            #expect(bRun.code == 2 && bRun.out.contains("r-9\n"), "\(bRun)")
            // berth create, start, start -a.
            let created = try Shell.run(berth, ["-H", s.host, "create", "--name", "later", "alpine", "echo", "ran-later"])
            #expect(created.code == 0 && created.out.count == 65, "\(created)")
            let startedAttached = try Shell.run(berth, ["-H", s.host, "start", "-a", "later"])
            #expect(startedAttached.code == 0 && startedAttached.out == "ran-later\n", "\(startedAttached)")
            #expect(try Shell.run(berth, ["-H", s.host, "start", "later"]).out == "later\n")
            // berth attach, then CTRL-p CTRL-q: detached, the container keeps running.
            let bAttach = try inTerminal(s, "attach box", input: ["echo att-$((4*4))", "\u{10}\u{11}"], cli: berth)
            #expect(bAttach.out.contains("att-16\n"), "\(bAttach)")
            #expect(try s.docker("inspect", "-f", "{{.State.Running}}", "box").out == "true\n")

            // The docker SDK for Python: exec_run (demultiplexed, exit code), attach with the log replayed.
            let sdk = try s.python("""
                box = client.containers.get('box')
                print(box.exec_run(['sh', '-c', 'echo o; echo e >&2; exit 4'], demux=True))
                done = client.containers.run('alpine', ['sh', '-c', 'echo first; echo second >&2'], detach=True)
                done.wait()
                print(repr(api.attach(done.id, logs=True, stream=False, stdout=True, stderr=True)))
                """)
            #expect(sdk.out == "ExecResult(exit_code=4, output=(b'o\\n', b'e\\n'))\nb'first\\nsecond\\n'\n", "\(sdk)")

            // A client that goes away mid-session (killed) ends its exec: the shell gets a hang-up.
            let killed = try Shell.run("/bin/sh", ["-c", "(sleep 1) | timeout -s KILL 3 script -qec '\(DaemonSandbox.dockerCLI!) -H \(s.host) exec -it box sh -c \"sleep 300\"' /dev/null"],
                                       env: ["DOCKER_CONFIG": s.root + "/dc"], timeout: 30)
            _ = killed
            var sleeping = true
            for _ in 0..<40 where sleeping {
                usleep(250_000)
                sleeping = try Shell.run("/usr/bin/pgrep", ["-f", "sleep 300"]).code == 0
            }
            #expect(!sleeping, "the exec's process outlived its client")

            // The exec's record: exit code and terminal flag, as `docker inspect` of an exec shows them.
            let (_, events) = try s.api("GET", "/events?since=0&until=\(Int(Date().timeIntervalSince1970) + 1)&filters=%7B%22event%22%3A%5B%22exec_die%22%5D%7D")
            #expect(events.contains("\"exitCode\":\"7\""), "\(events)")
        }
    }
}
