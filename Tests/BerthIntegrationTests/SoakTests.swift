import Foundation
import Testing

/// The issue's random-kill soak, run by `make soak` (BERTH_SOAK=1), not by `make test`: 3
/// networks and 10 containers, then rounds of a burst of concurrent API calls (run with and
/// without `-p`, rm -f, connect, disconnect, network create and rm) with berthd SIGKILLed
/// 0-300 ms into the burst and started again. After each restart the invariants of
/// CrashInvariants must hold and a run must work on every network. Prints the violations of
/// every round; BERTH_SOAK_ROUNDS (default 20) and BERTH_SOAK_SEED choose the rounds and the dice.
@Suite(.serialized, .enabled(
    if: ProcessInfo.processInfo.environment["BERTH_SOAK"] != nil && DaemonSandbox.isRoot && DaemonSandbox.dockerCLI != nil
        && BusyboxRootfs.isAvailable,
    "the random-kill soak runs with `make soak`"))
struct SoakTests {
    /// SplitMix64: the same seed gives the same rounds.
    struct Dice: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func randomKillsLeaveNothingWrong() throws {
        let env = ProcessInfo.processInfo.environment
        let rounds = Int(env["BERTH_SOAK_ROUNDS"] ?? "") ?? 20
        let seed = UInt64(env["BERTH_SOAK_SEED"] ?? "") ?? UInt64(Date().timeIntervalSince1970)
        var dice = Dice(state: seed)
        print("soak: \(rounds) rounds, seed \(seed)")
        try withSandbox { s in
            let tar = try BusyboxRootfs(directory: s.root + "/images").busyboxTar()
            #expect(try s.docker("import", "--change", #"CMD ["sh"]"#, tar, "alpine:latest").code == 0)
            let nets = ["n1", "n2", "n3"]
            for n in nets { #expect(try s.docker("network", "create", n).code == 0) }
            let base = (0..<10).map { "b\($0)" }
            for (i, b) in base.enumerated() {
                var args = ["run", "-d", "--name", b, "--network", nets[i % 3]]
                if i % 3 == 0 { args += ["-p", "\(8000 + i):80"] }
                #expect(try s.docker(args + ["alpine", "sleep", "3600"]).code == 0)
            }
            var made: [String] = []
            var extraNets: [String] = []
            var total = 0
            var totalRepairs = 0
            let started = Date()
            for round in 1...rounds {
                var burst: [[String]] = []
                for k in 0..<8 {
                    let net = nets.randomElement(using: &dice)!
                    let who = base.randomElement(using: &dice)!
                    switch Int.random(in: 0..<7, using: &dice) {
                    case 0, 1:
                        let name = "r\(round)-\(k)"
                        made.append(name)
                        let publish = Bool.random(using: &dice) ? ["-p", "\(9000 + round * 10 + k):80"] : []
                        burst.append(["run", "-d", "--name", name, "--network", net] + publish + ["alpine", "sleep", "3600"])
                    case 2: if let victim = made.randomElement(using: &dice) { burst.append(["rm", "-f", victim]) }
                    case 3: burst.append(["network", "connect", net, who])
                    case 4: burst.append(["network", "disconnect", net, who])
                    case 5:
                        extraNets.append("t\(round)-\(k)")
                        burst.append(["network", "create", "t\(round)-\(k)"])
                    default: if let n = extraNets.randomElement(using: &dice) { burst.append(["network", "rm", n]) }
                    }
                }
                let clients = try burst.map { args in
                    let p = Process()
                    p.executableURL = URL(fileURLWithPath: DaemonSandbox.dockerCLI!)
                    p.arguments = ["-H", s.host] + args
                    p.environment = ["DOCKER_CONFIG": s.root + "/dc", "PATH": "/usr/bin:/bin"]
                    p.standardOutput = FileHandle.nullDevice
                    p.standardError = FileHandle.nullDevice
                    try p.run()
                    return p
                }
                usleep(UInt32.random(in: 0...300_000, using: &dice))
                s.stop(signal: SIGKILL)
                for p in clients { p.waitUntilExit() }
                let logged = s.log.count
                try s.start()
                // What the restart found half done (one log line per repair): the kills did cut work.
                let repairs = String(s.log.dropFirst(logged)).components(separatedBy: "repair: ").count - 1
                totalRepairs += repairs
                var violations = try CrashInvariants.violations(s)
                // Every network still takes a new container, with an address of its own.
                for n in nets {
                    let probe = "probe\(round)-\(n)"
                    let r = try s.docker("run", "-d", "--name", probe, "--network", n, "alpine", "sleep", "3600")
                    if r.code != 0 { violations.append("run on \(n) after the restart: \(r.err)") }
                }
                violations += try CrashInvariants.violations(s)
                for n in nets { _ = try s.docker("rm", "-f", "probe\(round)-\(n)") }
                print("soak round \(round): \(burst.count) calls, killed, \(repairs) repairs, \(violations.count) violations")
                for v in violations { print("  \(v)") }
                total += violations.count
            }
            let seconds = Date().timeIntervalSince(started)
            print("soak: \(rounds) rounds in \(String(format: "%.0f", seconds)) s, \(totalRepairs) repairs, \(total) violations (seed \(seed))")
            #expect(total == 0, "\(total) violations in \(rounds) rounds; rerun with BERTH_SOAK_SEED=\(seed)")
        }
    }
}
