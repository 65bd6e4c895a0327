import Foundation

/// Runs a helper program for a test and captures its output. Tests only: the daemon never shells out.
struct Shell {
    struct Result {
        var out: String
        var err: String
        var code: Int32
        /// The watchdog had to kill it: a hang, never a valid outcome.
        var timedOut = false
    }

    @discardableResult
    static func run(_ path: String, _ args: [String], env: [String: String] = [:], stdin: String? = nil, timeout: Double = 120) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: path)
        p.arguments = args
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in env { environment[k] = v }
        p.environment = environment
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let input = Pipe()
        p.standardInput = input
        try launch(p)
        // A helper that never ends must fail the test, not hang the run.
        let pid = p.processIdentifier
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog)
        defer { watchdog.cancel() }
        if let s = stdin { input.fileHandleForWriting.write(Data(s.utf8)) }
        try? input.fileHandleForWriting.close()
        // Read both pipes concurrently so neither can fill up and stall the child.
        let errBox = DataBox()
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            errBox.data = err.fileHandleForReading.readDataToEndOfFile()
            done.signal()
        }
        t.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        let errData = errBox.data
        p.waitUntilExit()
        let killed = p.terminationReason == .uncaughtSignal && p.terminationStatus == SIGKILL
        return Result(out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self), code: p.terminationStatus, timedOut: killed)
    }

    /// Starts `p` from a fresh thread whose signal mask is empty. Test bodies run on dispatch
    /// threads that block most signals, and a child inherits its spawner's mask: programs
    /// that time out with SIGALRM (busybox ping -w) would then never time out.
    static func launch(_ p: Process) throws {
        let box = ErrorBox()
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            var none = sigset_t()
            sigemptyset(&none)
            pthread_sigmask(SIG_SETMASK, &none, nil)
            do { try p.run() } catch { box.error = error }
            done.signal()
        }
        t.start()
        done.wait()
        if let e = box.error { throw e }
    }

    /// Runs and throws unless the exit status is 0.
    @discardableResult
    static func must(_ path: String, _ args: [String]) throws -> String {
        let r = try run(path, args)
        guard r.code == 0 else { throw TestFailure("\(path) \(args.joined(separator: " ")) exited \(r.code): \(r.err)") }
        return r.out
    }
}

struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ d: String) { description = d }
}

/// Carries the stderr bytes from the reader thread; the semaphore orders the write before the read.
private final class DataBox: @unchecked Sendable {
    var data = Data()
}

/// Carries a spawn error from the launching thread; the semaphore orders write and read.
private final class ErrorBox: @unchecked Sendable {
    var error: (any Error)?
}
