import Foundation
import Testing

/// berthd SIGKILLed at named steps of each operation (BERTH_FAILPOINT, with --enable-failpoints),
/// started again, and checked: every container's state is true (a record says running exactly when
/// its process lives), no address is on two interfaces, inspect names what the kernel has, no veth
/// is left that no container owns, and the operation works when tried again.
@Suite(.serialized, .enabled(if: DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil && BusyboxRootfs.isAvailable, "needs root, the docker CLI and busybox-static"))
struct CrashConsistencyTests {
    /// One crash: the failpoint, the command it cuts, and how to try again afterwards.
    struct Case: CustomTestStringConvertible, Sendable {
        var failpoint: String
        var command: [String]
        /// Run after the restart, before `command` is tried again (e.g. remove what the cut run left).
        var cleanup: [[String]] = []
        /// Armed for the first restart, which then dies during its repair; the next one must finish it.
        var restartFailpoint: String? = nil
        var testDescription: String {
            "\(failpoint) cutting `\(command.joined(separator: " "))`" + (restartFailpoint.map { ", then \($0) cutting the repair" } ?? "")
        }
    }

    static let run = ["run", "-d", "--name", "victim", "--network", "net1", "-p", "8081:80", "alpine", "sleep", "3600"]
    static let connect = ["network", "connect", "net2", "base"]
    /// `both` leaves its first network: the default route and published port pass to net2.
    static let disconnect = ["network", "disconnect", "net1", "both"]
    static let remove = ["rm", "-f", "doomed"]
    static let cases: [Case] = [
        .init(failpoint: "create.after-rootfs", command: ["create", "--name", "ghost", "alpine", "sleep", "3600"]),
        .init(failpoint: "start.after-sandbox", command: run, cleanup: [["rm", "-f", "victim"]]),
        .init(failpoint: "connect.after-join", command: run, cleanup: [["rm", "-f", "victim"]]),
        .init(failpoint: "connect.after-save", command: run, cleanup: [["rm", "-f", "victim"]]),
        .init(failpoint: "start.after-connect", command: run, cleanup: [["rm", "-f", "victim"]]),
        .init(failpoint: "start.after-dns", command: run, cleanup: [["rm", "-f", "victim"]]),
        .init(failpoint: "start.after-runc-create", command: run, cleanup: [["rm", "-f", "victim"]]),
        .init(failpoint: "start.after-runc-start", command: run, cleanup: [["rm", "-f", "victim"]]),
        .init(failpoint: "start.after-save", command: run, cleanup: [["rm", "-f", "victim"]]),
        .init(failpoint: "connect.after-join", command: connect, cleanup: [["network", "disconnect", "net2", "base"]]),
        .init(failpoint: "connect.after-save", command: connect, cleanup: [["network", "disconnect", "net2", "base"]]),
        .init(failpoint: "netconnect.after-endpoint", command: connect, cleanup: [["network", "disconnect", "net2", "base"]]),
        .init(failpoint: "disconnect.after-leave", command: disconnect, cleanup: [["network", "connect", "net1", "both"]]),
        .init(failpoint: "disconnect.after-delete", command: disconnect, cleanup: [["network", "connect", "net1", "both"]]),
        .init(failpoint: "netdisconnect.after-network", command: disconnect, cleanup: [["network", "connect", "net1", "both"]]),
        .init(failpoint: "remove.after-mark", command: remove, cleanup: [["run", "-d", "--name", "doomed", "--network", "net1", "alpine", "sleep", "3600"]]),
        .init(failpoint: "teardown.after-disconnect", command: remove, cleanup: [["run", "-d", "--name", "doomed", "--network", "net1", "alpine", "sleep", "3600"]]),
        .init(failpoint: "remove.after-teardown", command: remove, cleanup: [["run", "-d", "--name", "doomed", "--network", "net1", "alpine", "sleep", "3600"]]),
        .init(failpoint: "remove.after-files", command: remove, cleanup: [["run", "-d", "--name", "doomed", "--network", "net1", "alpine", "sleep", "3600"]]),
        .init(failpoint: "exited.after-save", command: ["stop", "-t", "0", "base"], cleanup: [["start", "base"]]),
        .init(failpoint: "join.after-veth", command: run, cleanup: [["rm", "-f", "victim"]]),
        .init(failpoint: "join.after-veth", command: connect, cleanup: [["network", "disconnect", "net2", "base"]]),
        .init(failpoint: "disconnect.after-delete", command: disconnect, cleanup: [["network", "connect", "net1", "both"]],
              restartFailpoint: "restore.after-intent"),
        .init(failpoint: "connect.after-join", command: connect, cleanup: [["network", "disconnect", "net2", "base"]],
              restartFailpoint: "restore.after-intent"),
        .init(failpoint: "bridge.after-newlink", command: ["network", "create", "net3"], cleanup: [["network", "rm", "net3"]]),
        .init(failpoint: "netcreate.after-bridge", command: ["network", "create", "net3"], cleanup: [["network", "rm", "net3"]]),
        .init(failpoint: "netrm.after-driver", command: ["network", "rm", "spare"], cleanup: [["network", "create", "spare"]]),
        .init(failpoint: "netrm.after-driver", command: ["network", "rm", "spare"], cleanup: [["network", "create", "spare"]],
              restartFailpoint: "restore.after-intent"),
    ]

    /// Three networks and the containers the commands above act on.
    func prepare(_ s: DaemonSandbox) throws {
        let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
        #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
        for n in ["net1", "net2", "spare"] { #expect(try s.docker("network", "create", n).code == 0) }
        #expect(try s.docker("run", "-d", "--name", "base", "--network", "net1", "alpine", "sleep", "3600").code == 0)
        #expect(try s.docker("run", "-d", "--name", "both", "--network", "net1", "-p", "8083:80", "alpine", "sleep", "3600").code == 0)
        #expect(try s.docker("network", "connect", "net2", "both").code == 0)
        #expect(try s.docker("run", "-d", "--name", "doomed", "--network", "net1", "-p", "8082:80", "alpine", "sleep", "3600").code == 0)
    }

    @Test(arguments: cases)
    func crashAtAFailpointLeavesNothingWrong(_ c: Case) throws {
        try withSandbox(extraArgs: ["--enable-failpoints"]) { s in
            try prepare(s)
            s.stop()
            try s.start(env: ["BERTH_FAILPOINT": c.failpoint])
            let cut = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host] + c.command, env: ["DOCKER_CONFIG": s.root + "/dc"], timeout: 60)
            #expect(s.awaitDeath(within: 20), "berthd did not die at \(c.failpoint): \(cut.out) \(cut.err)")
            if let again = c.restartFailpoint {
                // The repair itself is cut: berthd dies before it serves.
                #expect(throws: (any Error).self) { try s.start(env: ["BERTH_FAILPOINT": again]) }
                #expect(s.awaitDeath(within: 20), "berthd did not die at \(again) during the repair")
                #expect(s.log.contains("failpoint \(again) fired"))
            }
            try s.start()
            #expect(s.log.contains("failpoint \(c.failpoint) fired"))
            try checkInvariants(s, c)
            if c.command == Self.disconnect {
                // The published port went with the default route to net2.
                let port = try s.docker("port", "both", "80").out
                #expect(port.contains(":8083"), "\(c.failpoint): both lost its published port: \(port)")
            }
            for step in c.cleanup { _ = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host] + step, env: ["DOCKER_CONFIG": s.root + "/dc"]) }
            let again = try Shell.run(DaemonSandbox.dockerCLI!, ["-H", s.host] + c.command, env: ["DOCKER_CONFIG": s.root + "/dc"], timeout: 60)
            #expect(again.code == 0, "\(c.command) after the restart: \(again.err)")
            // Another container on the same network gets an address of its own.
            #expect(try s.docker("run", "-d", "--name", "late", "--network", "net1", "alpine", "sleep", "3600").code == 0)
            try checkInvariants(s, c)
        }
    }

    /// The invariants every restart must restore (CrashInvariants), each broken one a test issue.
    func checkInvariants(_ s: DaemonSandbox, _ c: Case) throws {
        for v in try CrashInvariants.violations(s) { Issue.record("\(c.failpoint): \(v)") }
    }
}
