import BerthCore
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Waits for conmon's exit files (`<exit dir>/<id>`, holding the exit status as text) on one
/// thread Berth owns, shared by every waiter: inotify wakes it when a file is renamed into place,
/// and a 200 ms poll catches what inotify cannot see (directories it could not watch).
///
/// A waiter whose conmon has died without writing the file fails instead of waiting forever. The
/// thread exits when nobody waits and starts again with the next waiter.
final class ExitFileWatcher: Sendable {
    private struct Waiter {
        var id: String
        var exitFile: String
        var bundle: ContainerBundle
        var continuation: CheckedContinuation<Int32, any Error>
    }

    private struct State {
        var waiters: [UInt64: Waiter] = [:]
        var cancelled: Set<UInt64> = []
        var nextToken: UInt64 = 0
        var threadRunning = false
        var watchedDirectories: Set<String> = []
    }

    private let state = Mutex(State())
    /// The inotify instance (non-blocking), or -1 when the kernel refused one (then polling only).
    private let inotifyFD: Int32
    /// The monitor's process name, as `/proc/<pid>/stat` shows it.
    private let monitorName: String

    /// - Parameter monitorPath: conmon's path; its file name identifies live monitors.
    init(monitorPath: String) {
        inotifyFD = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        monitorName = Self.processName(of: monitorPath)
    }

    deinit {
        if inotifyFD >= 0 { close(inotifyFD) }
    }

    /// Suspends until `exitFile` holds an exit status; throws `RuntimeError.monitorExited` when
    /// conmon is gone without writing it, `CancellationError` when the task is cancelled.
    func wait(id: String, exitFile: String, bundle: ContainerBundle) async throws -> Int32 {
        if let code = Self.readExitCode(exitFile) { return code }
        let token = state.withLock { s in
            s.nextToken += 1
            return s.nextToken
        }
        watchDirectory(of: exitFile)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int32, any Error>) in
                let (startThread, cancelled) = state.withLock { s -> (Bool, Bool) in
                    if s.cancelled.remove(token) != nil { return (false, true) }
                    s.waiters[token] = Waiter(id: id, exitFile: exitFile, bundle: bundle, continuation: continuation)
                    let start = !s.threadRunning
                    s.threadRunning = true
                    return (start, false)
                }
                if cancelled {
                    continuation.resume(throwing: CancellationError())
                } else if startThread {
                    Task { try? await NamespaceThread.run { self.loop() } }
                }
            }
        } onCancel: {
            let waiter = state.withLock { s in
                if let w = s.waiters.removeValue(forKey: token) { return Optional(w) }
                s.cancelled.insert(token)
                return nil
            }
            waiter?.continuation.resume(throwing: CancellationError())
        }
    }

    /// The watcher thread: checks every waiter, then sleeps until an inotify event or 200 ms.
    private func loop() {
        var round = 0
        while true {
            let waiters = state.withLock { s -> [(UInt64, Waiter)] in
                if s.waiters.isEmpty { s.threadRunning = false }
                return Array(s.waiters)
            }
            if waiters.isEmpty { return }
            // Checking conmon's liveness costs a few /proc reads: once a second is enough.
            let checkMonitors = round % 5 == 0
            for (token, waiter) in waiters {
                var result: Result<Int32, any Error>?
                if let code = Self.readExitCode(waiter.exitFile) {
                    result = .success(code)
                } else if checkMonitors, let pid = waiter.bundle.conmonPid(), !Self.isMonitorAlive(pid, name: monitorName) {
                    // conmon writes the file before it exits: look once more, then give up.
                    if let code = Self.readExitCode(waiter.exitFile) {
                        result = .success(code)
                    } else {
                        result = .failure(
                            RuntimeError.monitorExited(
                                id: waiter.id,
                                detail: "conmon (pid \(pid)) is gone and left no exit status in \(waiter.exitFile)"))
                    }
                }
                guard let result else { continue }
                let removed = state.withLock { $0.waiters.removeValue(forKey: token) }
                removed?.continuation.resume(with: result)
            }
            round += 1
            sleepUntilEvent(milliseconds: 200)
        }
    }

    private func watchDirectory(of file: String) {
        guard inotifyFD >= 0, let slash = file.lastIndex(of: "/") else { return }
        let directory = slash == file.startIndex ? "/" : String(file[..<slash])
        let isNew = state.withLock { $0.watchedDirectories.insert(directory).inserted }
        if isNew {
            // conmon writes `<id>.XXXXXX` and renames it to `<id>`; a failure leaves polling to it.
            _ = inotify_add_watch(inotifyFD, directory, UInt32(IN_MOVED_TO | IN_CLOSE_WRITE))
        }
    }

    private func sleepUntilEvent(milliseconds: Int32) {
        guard inotifyFD >= 0 else {
            usleep(UInt32(milliseconds) * 1000)
            return
        }
        var fds = [pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0)]
        if poll(&fds, 1, milliseconds) > 0 {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while buffer.withUnsafeMutableBytes({ read(inotifyFD, $0.baseAddress, $0.count) }) > 0 {}
        }
    }

    /// The status conmon wrote, or nil while the file is missing or incomplete.
    static func readExitCode(_ path: String) -> Int32? {
        guard let bytes = try? FileIO.readIfPresent(path) else { return nil }
        return Int32(ChildProcess.Output.trim(bytes))
    }

    /// The name the kernel gives a process started from `path` (at most 15 bytes of the file name).
    static func processName(of path: String) -> String {
        String(decoding: (path.split(separator: "/").last.map(String.init) ?? path).utf8.prefix(15), as: UTF8.self)
    }

    /// Whether `pid` is still a running monitor called `name`: not gone, not a zombie its new
    /// parent has yet to reap (init reaps orphans late on some machines), and not a recycled pid
    /// of another program.
    static func isMonitorAlive(_ pid: Int32, name: String) -> Bool {
        guard pid > 0, let stat = try? FileIO.readIfPresent("/proc/\(pid)/stat") else { return false }
        // `pid (comm) S ...`: comm may contain spaces and parentheses; the state follows the last ')'.
        guard let close = stat.lastIndex(of: UInt8(ascii: ")")), let open = stat.firstIndex(of: UInt8(ascii: "(")),
            open < close, close + 2 < stat.count
        else { return false }
        let comm = String(decoding: stat[(open + 1)..<close], as: UTF8.self)
        let state = stat[close + 2]
        return comm == name && state != UInt8(ascii: "Z") && state != UInt8(ascii: "X")
    }
}
