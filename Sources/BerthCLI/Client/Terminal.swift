#if canImport(Glibc)
import Glibc
#endif
import BerthAPI

extension EngineClient {
    /// Tells the daemon this terminal's size for `object` (`/containers/<id>` or `/exec/<id>`);
    /// nothing when stdout is not a terminal. Best effort, as the docker CLI's.
    func resizeToTerminal(_ object: String) {
        guard let size = Terminal.size() else { return }
        _ = try? call("POST", object + "/resize", query: [("h", "\(size.rows)"), ("w", "\(size.cols)")])
    }
}

/// The controlling terminal's mode and size.
enum Terminal {
    /// Puts `fd` in raw mode; returns what restores it.
    static func makeRaw(_ fd: Int32) -> (() -> Void)? {
        var saved = termios()
        guard tcgetattr(fd, &saved) == 0 else { return nil }
        var raw = saved
        cfmakeraw(&raw)
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return nil }
        return { var s = saved; _ = tcsetattr(fd, TCSANOW, &s) }
    }

    /// Rows and columns of the terminal on stdout, if it is one.
    static func size() -> (rows: Int, cols: Int)? {
        var w = winsize()
        guard isatty(1) == 1, ioctl(1, UInt(TIOCGWINSZ), &w) == 0, w.ws_row > 0 else { return nil }
        return (Int(w.ws_row), Int(w.ws_col))
    }
}
