#if canImport(Glibc)
import Glibc
#endif
import BerthAPI

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
