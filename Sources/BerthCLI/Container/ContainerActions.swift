import ArgumentParser

/// `berth stop`, `kill`, `rm`, `wait`: one request per container, failures reported and the
/// rest carried on with, as the docker CLI does.
struct ContainerStop: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop one or more running containers")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("t"), .long], help: "Seconds to wait before killing the container.")
    var time: Int?
    @Argument var containers: [String]
    func run() throws {
        try ContainerActions.each(global, containers) { c, ref in
            try c.call("POST", "/containers/\(ref)/stop", query: time.map { [("t", String($0))] } ?? [])
        }
    }
}

struct ContainerKill: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "kill", abstract: "Kill one or more running containers")
    @OptionGroup var global: GlobalOptions
    @Option(name: [.customShort("s"), .long], help: "Signal to send to the container.")
    var signal: String?
    @Argument var containers: [String]
    func run() throws {
        try ContainerActions.each(global, containers) { c, ref in
            try c.call("POST", "/containers/\(ref)/kill", query: signal.map { [("signal", $0)] } ?? [])
        }
    }
}

struct ContainerRm: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rm", abstract: "Remove one or more containers")
    @OptionGroup var global: GlobalOptions
    @Flag(name: [.customShort("f"), .long], help: "Force the removal of a running container.")
    var force = false
    @Argument var containers: [String]
    func run() throws {
        try ContainerActions.each(global, containers) { c, ref in
            try c.call("DELETE", "/containers/\(ref)", query: force ? [("force", "1")] : [])
        }
    }
}

struct ContainerWait: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wait", abstract: "Block until one or more containers stop, then print their exit codes")
    @OptionGroup var global: GlobalOptions
    @Argument var containers: [String]
    func run() throws {
        try ContainerActions.each(global, containers, printName: false) { c, ref in
            let r = try c.call("POST", "/containers/\(ref)/wait")
            if (200..<300).contains(r.status) {
                if case .int(let code) = r.json?["StatusCode"] ?? .null { Console.out(String(code)) }
            }
            return r
        }
    }
}

enum ContainerActions {
    /// Runs `request` for each reference; prints the reference on success (unless `printName`
    /// is false), the daemon's message on failure, and exits 1 if anything failed.
    static func each(
        _ global: GlobalOptions, _ refs: [String], printName: Bool = true,
        _ request: (EngineClient, String) throws -> EngineClient.Response
    ) throws {
        do {
            let client = try global.client()
            var failed = false
            for ref in refs {
                let r = try request(client, ref)
                if (200..<300).contains(r.status) || r.status == 304 {
                    if printName { Console.out(ref) }
                } else {
                    Console.err("Error response from daemon: " + r.errorMessage)
                    failed = true
                }
            }
            if failed { throw ExitCode(1) }
        } catch let e as CLIError {
            throw Console.fail(e)
        }
    }
}
