import Foundation
import Testing

/// Connects and disconnects of one running container at the same time, as compose and
/// operators do: an interface name that a disconnect is still removing in the kernel must not be
/// handed to a connect (the issue's 500 `RTM_NEWLINK … EEXIST`).
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct ConcurrentEndpointTests {
    @Test func aConnectRacingADisconnectGetsAnInterfaceOfItsOwn() throws {
        try withSandbox { s in
            let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
            #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
            for n in ["n1", "n2", "n3"] { #expect(try s.docker("network", "create", n).code == 0) }
            let run = try s.docker("run", "-d", "--name", "racer", "--network", "n1", "alpine", "sleep", "3600")
            #expect(run.code == 0, "\(run.err)")
            // Each round: c is on n1 (eth0) and n2 (eth1); leaving n2 frees eth1 while n3 joins.
            let r = try s.python("""
                import threading
                failures = []
                def call(fn):
                    try:
                        fn()
                    except Exception as e:
                        failures.append(str(e))
                for i in range(25):
                    api.connect_container_to_network('racer', 'n2')
                    go = threading.Barrier(2)
                    def leave():
                        go.wait(); call(lambda: api.disconnect_container_from_network('racer', 'n2'))
                    def join():
                        go.wait(); call(lambda: api.connect_container_to_network('racer', 'n3'))
                    ts = [threading.Thread(target=leave), threading.Thread(target=join)]
                    [t.start() for t in ts]
                    [t.join() for t in ts]
                    call(lambda: api.disconnect_container_from_network('racer', 'n3'))
                print(len(failures))
                for f in failures[:5]:
                    print(f)
                """)
            #expect(r.code == 0, "\(r.err)")
            #expect(r.out.split(separator: "\n").first == "0", "failed calls: \(r.out)")
            let nets = try s.docker("inspect", "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}", "racer").out
            #expect(nets.trimmingCharacters(in: .whitespacesAndNewlines) == "n1")
        }
    }
}
