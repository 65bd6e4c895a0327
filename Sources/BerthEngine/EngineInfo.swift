#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Facts about this engine and its host, for `/version` and `/info`.
public enum EngineInfo {
    public static let version = "0.1.0"

    /// `uname -r`.
    public static var kernelVersion: String {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: &u.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// "2" when /sys/fs/cgroup is the unified hierarchy, else "1" (read once: it does not change).
    public static let cgroupVersion: String = {
        var st = stat()
        return stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0 ? "2" : "1"
    }()

    /// The host name.
    public static var hostname: String {
        var buf = [CChar](repeating: 0, count: 256)
        gethostname(&buf, buf.count)
        return String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Go's name for the machine architecture.
    public static var goArch: String {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #else
        "unknown"
        #endif
    }

    /// `PRETTY_NAME` of /etc/os-release.
    public static var operatingSystem: String {
        guard let text = try? String(contentsOfFile: "/etc/os-release", encoding: .utf8) else { return "Linux" }
        for line in text.split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst("PRETTY_NAME=".count)).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        return "Linux"
    }

    /// A one-line value from /proc or /sys, trimmed; nil when unreadable.
    public static func procValue(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
