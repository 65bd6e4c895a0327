import Foundation
import Testing

/// `docker attach` against berthd: an interactive shell through a terminal (the CLI drives a
/// pty made by Python's `pty` module), CTRL-p CTRL-q detaching without stopping the container,
/// and the multiplexed stream of a non-TTY container through a raw HTTP hijack.
///
/// With a TTY the docker CLI finds the detach keys itself and, as against dockerd, ends with
/// "read escape sequence" and status 1 (`docker run -it` ends with 0 there, `docker attach` not).
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct AttachTests {
    func importImages(_ s: DaemonSandbox) throws {
        let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
        let imported = try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest")
        #expect(imported.code == 0, "\(imported.err)")
    }

    func running(_ s: DaemonSandbox, _ name: String) throws -> Bool {
        try s.docker("inspect", "-f", "{{.State.Running}}", name).out == "true\n"
    }

    /// Runs `docker attach <args>` on a pty: types `input`, waits for `expect` in the output, then
    /// sends `detach`; prints the exit status and what the terminal showed.
    func attachThroughPTY(_ s: DaemonSandbox, args: [String], input: String, expect: String, detach: String) throws -> Shell.Result {
        let script = #"""
        import os, pty, select, sys, time
        argv, inp, want, detach = sys.argv[1].split("\x1f"), sys.argv[2].encode(), sys.argv[3].encode(), sys.argv[4].encode()
        pid, fd = pty.fork()
        if pid == 0:
            os.execv(argv[0], argv)
        out = b""
        def pump(until, secs):
            global out
            end = time.time() + secs
            while time.time() < end and until not in out:
                r, _, _ = select.select([fd], [], [], 0.2)
                if r:
                    try: data = os.read(fd, 4096)
                    except OSError: break
                    if not data: break
                    out += data
            return until in out
        time.sleep(1.0)
        os.write(fd, inp)
        ok = pump(want, 15)
        os.write(fd, detach)
        end = time.time() + 15
        status = None
        while time.time() < end:
            p, st = os.waitpid(pid, os.WNOHANG)
            if p == pid:
                status = os.waitstatus_to_exitcode(st); break
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                try: out += os.read(fd, 4096)
                except OSError: pass
        if status is None:
            os.kill(pid, 9); os.waitpid(pid, 0); status = "hung"
        # The CLI may have exited with its last words still in the terminal: drain them.
        while select.select([fd], [], [], 0.3)[0]:
            try: data = os.read(fd, 4096)
            except OSError: break
            if not data: break
            out += data
        sys.stdout.write("found=%s status=%s\n" % (ok, status))
        sys.stdout.write(out.decode(errors="replace"))
        """#
        let argv = ([DaemonSandbox.dockerCLI!, "-H", s.host, "attach"] + args).joined(separator: "\u{1f}")
        return try Shell.run("/usr/bin/env", ["python3", "-c", script, argv, input, expect, detach],
                             env: ["DOCKER_CONFIG": s.root + "/docker-config"], timeout: 60)
    }

    @Test func interactiveAttachAndDetach() throws {
        try withSandbox { s in
            try importImages(s)
            #expect(try s.docker("run", "-dit", "--name", "alpine1", "alpine", "sh").code == 0)

            let r = try attachThroughPTY(s, args: ["alpine1"], input: "echo hi-$((1+2))\r", expect: "hi-3", detach: "\u{10}\u{11}")
            #expect(r.out.hasPrefix("found=True status=1\n") && r.out.contains("read escape sequence"), "\(r.out) \(r.err)")
            #expect(try running(s, "alpine1"))

            // Attach again, with other detach keys: stdin stayed open and the shell still answers.
            let again = try attachThroughPTY(s, args: ["--detach-keys", "ctrl-x,x", "alpine1"], input: "echo again-$((2*3))\r",
                                             expect: "again-6", detach: "\u{18}x")
            #expect(again.out.hasPrefix("found=True status=1\n") && again.out.contains("read escape sequence"), "\(again.out) \(again.err)")
            #expect(try running(s, "alpine1"))

            // The terminal follows the client's size.
            #expect(try s.api("POST", "/containers/alpine1/resize?h=33&w=101").0 == 200)
            let stty = try s.docker("exec", "alpine1", "stty", "-F", "/dev/console", "size")
            #expect(stty.out == "33 101\n", "\(stty.out) \(stty.err)")
            #expect(try running(s, "alpine1"))
            #expect(try s.api("POST", "/containers/nope/resize?h=1&w=1").0 == 404)
        }
    }

    @Test func multiplexedAttachOverRawHijack() throws {
        try withSandbox { s in
            try importImages(s)
            #expect(try s.docker("run", "-di", "--name", "plain", "alpine", "sh").code == 0)
            // The request head and the first stdin bytes go out in one write: the server must
            // forward what its HTTP decoder already read past the head.
            let script = #"""
            import socket, struct, sys, time
            s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(15)
            s.sendall(b"POST /v1.41/containers/plain/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\n"
                      b"Host: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n"
                      b"echo out-$((2+3)); echo err-7 >&2\n")
            buf = b""
            while b"\r\n\r\n" not in buf: buf += s.recv(4096)
            head, buf = buf.split(b"\r\n\r\n", 1)
            print(head.split(b"\r\n")[0].decode())
            print([l.decode() for l in head.split(b"\r\n") if l.lower().startswith(b"content-type")][0])
            got = {1: b"", 2: b""}
            while b"out-5\n" not in got[1] or b"err-7\n" not in got[2]:
                while len(buf) < 8: buf += s.recv(4096)
                stream, n = buf[0], struct.unpack(">I", buf[4:8])[0]
                while len(buf) < 8 + n: buf += s.recv(4096)
                got[stream] += buf[8:8 + n]; buf = buf[8 + n:]
            print("stdout=%r stderr=%r" % (got[1], got[2]))
            s.sendall(b"\x10\x11")  # the default detach keys end the attach server-side
            rest = b""
            while True:
                d = s.recv(4096)
                if not d: break
                rest += d
            print("closed")
            """#
            let r = try Shell.run("/usr/bin/env", ["python3", "-c", script, s.socket], timeout: 60)
            #expect(r.code == 0, "\(r.err)")
            #expect(r.out == """
                HTTP/1.1 101 UPGRADED
                Content-Type: application/vnd.docker.multiplexed-stream
                stdout=b'out-5\\n' stderr=b'err-7\\n'
                closed

                """, "\(r.out) \(r.err)")
            #expect(try running(s, "plain"))
            // Stopped containers cannot be attached to, in dockerd's words.
            #expect(try s.docker("stop", "-t", "1", "plain").code == 0)
            let stopped = try s.docker("attach", "plain")
            #expect(stopped.code != 0 && stopped.err.contains("You cannot attach to a stopped container"), "\(stopped.err)")
        }
    }
}
