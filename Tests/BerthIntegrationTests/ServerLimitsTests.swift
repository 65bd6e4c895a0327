import Foundation
import Testing

/// The API socket and server under load and bad input: dockerd's 0660 root:docker socket, a
/// backlog as large as the system allows, a read-header timeout for trickling clients, 400 for a
/// body cut short, and dockerd's 400s for bad subnets, HostConfig types and memory limits (with a
/// limit that is really applied).
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct ServerLimitsTests {
    func python(_ code: String, _ args: [String]) throws -> Shell.Result {
        try Shell.run("/usr/bin/env", ["python3", "-c", code] + args, timeout: 60)
    }

    @Test func socketBacklogTruncatedBodiesAndTricklingClients() throws {
        try withSandbox(extraArgs: ["--read-header-timeout", "1"]) { s in
            var st = stat()
            #expect(stat(s.socket, &st) == 0)
            #expect(st.st_mode & 0o777 == 0o660 && st.st_uid == 0)
            let docker = getgrnam("docker")
            #expect(st.st_gid == (docker?.pointee.gr_gid ?? 0))

            // A thousand clients at once: none refused (the backlog was 512).
            let burst = try python("""
                import socket, sys, resource
                soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
                resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
                socks, failed = [], 0
                for i in range(1000):
                    s = socket.socket(socket.AF_UNIX); s.setblocking(False)
                    try: s.connect(sys.argv[1])
                    except (BlockingIOError, ConnectionRefusedError, OSError): failed += 1
                    socks.append(s)
                print(failed)
                """, [s.socket])
            #expect(burst.out == "0\n", "\(burst.err)")

            // A body shorter than its Content-Length, then the client's half-close: 400, nothing made.
            let cut = try python("""
                import socket, sys
                s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(5)
                s.sendall(b'POST /networks/create HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/json\\r\\nContent-Length: 100\\r\\n\\r\\n{"Name":"cut"')
                s.shutdown(socket.SHUT_WR)
                data = b''
                while True:
                    d = s.recv(4096)
                    if not d: break
                    data += d
                print(data.decode().split('\\r\\n')[0]); print(data.decode().split('\\r\\n\\r\\n')[-1].strip())
                """, [s.socket])
            #expect(cut.out == "HTTP/1.1 400 Bad Request\n{\"message\":\"unexpected EOF\"}\n", "\(cut.err)")
            #expect(!(try s.docker("network", "ls", "--format", "{{.Name}}").out.contains("cut")))

            // One header byte every 0.4 s: cut off by the 1 s read-header timeout. An idle
            // keep-alive connection between requests is not (dockerd keeps those too).
            let slow = try python("""
                import socket, sys, time
                s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(0.4)
                start = time.time(); closed = None
                for b in b'GET /_ping HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n':
                    try:
                        s.send(bytes([b]))
                        if s.recv(1) == b'': closed = time.time() - start; break
                    except socket.timeout: pass
                    except (BrokenPipeError, ConnectionResetError): closed = time.time() - start; break
                print('closed' if closed is not None and closed < 3 else 'open')
                k = socket.socket(socket.AF_UNIX); k.connect(sys.argv[1]); k.settimeout(5)
                def ping():
                    k.sendall(b'GET /_ping HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'); data = b''
                    while not data.endswith(b'\\r\\n\\r\\nOK'):
                        d = k.recv(4096)
                        if not d: break
                        data += d
                    return data
                first = ping()
                time.sleep(2)
                second = ping()
                print(first.split(b'\\r\\n')[0].decode(), second.split(b'\\r\\n')[0].decode())
                """, [s.socket])
            #expect(slow.out == "closed\nHTTP/1.1 200 OK HTTP/1.1 200 OK\n", "\(slow.err)")
        }
    }

    @Test func badSubnetsHostConfigsAndMemoryLimits() throws {
        try withSandbox { s in
            let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
            #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
            let before = try s.inNamespace("ip", "-o", "link").out.split(separator: "\n").count
            let all = try s.docker("network", "create", "--ipv6", "--subnet", "::/0", "everything")
            #expect(all.code != 0 && all.err.contains("invalid subnet ::/0: it covers every address"), "\(all.err)")
            let multicast = try s.docker("network", "create", "--ipv6", "--subnet", "ff02::/64", "mc")
            #expect(multicast.err.contains("multicast subnet 'ff02::/64' is not allowed"), "\(multicast.err)")
            #expect(try s.api("POST", "/networks/create", body: #"{"Name":"mc2","EnableIPv6":true,"IPAM":{"Config":[{"Subnet":"ff02::/64"}]}}"#).0 == 400)
            let gw = try s.docker("network", "create", "--subnet", "10.99.0.0/24", "--gateway", "10.99.0.255", "bcast")
            #expect(gw.err.contains("failed to allocate gateway (10.99.0.255): Address already in use"), "\(gw.err)")
            let hostBits = try s.docker("network", "create", "--subnet", "10.1.2.3/24", "hostbits")
            #expect(hostBits.code != 0 && hostBits.err.contains("invalid subnet 10.1.2.3/24: it should be 10.1.2.0/24"), "\(hostBits.err)")
            #expect(try s.docker("network", "ls", "-q").out.split(separator: "\n").count == 3)
            #expect(try s.inNamespace("ip", "-o", "link").out.split(separator: "\n").count == before)

            let (status, body) = try s.api("POST", "/containers/create", body: #"{"Image":"alpine:latest","HostConfig":"x"}"#)
            #expect(status == 400 && body.contains("cannot unmarshal string into field HostConfig of type container.HostConfig"), "\(body)")
            #expect(try s.api("POST", "/containers/create", body: #"{"Image":"alpine:latest","HostConfig":{"Memory":-1e30}}"#).0 == 400)
            let tiny = try s.docker("run", "-d", "-m", "5", "alpine", "sleep", "3600")
            #expect(tiny.err.contains("Minimum memory limit allowed is 6MB"), "\(tiny.err)")
            #expect(try s.docker("ps", "-aq").out.isEmpty)
            #expect(try s.docker("run", "-d", "--name", "capped", "-m", "64m", "alpine", "sleep", "3600").code == 0)
            #expect(try s.docker("inspect", "-f", "{{.HostConfig.Memory}}", "capped").out == "67108864\n")
            #expect(try s.docker("stats", "--no-stream", "--format", "{{.MemUsage}}", "capped").out.hasSuffix(" / 64MiB\n"))
        }
    }
}
