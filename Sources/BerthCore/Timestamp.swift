#if canImport(Glibc)
import Glibc
#endif

/// A wall-clock instant with nanosecond precision, printed as Go's RFC3339Nano (dockerd's `Created`).
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Nanoseconds since the Unix epoch.
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    /// The current time from CLOCK_REALTIME.
    public static func now() -> Timestamp {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Timestamp(nanoseconds: Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec))
    }

    public var seconds: Int64 { nanoseconds >= 0 ? nanoseconds / 1_000_000_000 : (nanoseconds - 999_999_999) / 1_000_000_000 }

    /// `2026-11-29T04:54:11.62587056Z`: UTC, fraction without trailing zeros, as Go prints it.
    public var rfc3339Nano: String {
        var t = time_t(seconds)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        func pad(_ v: Int32, _ n: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, n - s.count)) + s
        }
        var s = "\(pad(tmv.tm_year + 1900, 4))-\(pad(tmv.tm_mon + 1, 2))-\(pad(tmv.tm_mday, 2))T"
        s += "\(pad(tmv.tm_hour, 2)):\(pad(tmv.tm_min, 2)):\(pad(tmv.tm_sec, 2))"
        let frac = nanoseconds - seconds * 1_000_000_000
        if frac > 0 {
            var f = pad(Int32(frac), 9)
            while f.hasSuffix("0") { f.removeLast() }
            s += "." + f
        }
        return s + "Z"
    }

    /// Parses what `until` filters accept: Unix seconds (with optional fraction) or RFC 3339.
    public init?(parsing text: String) {
        if let d = Double(text), !text.contains("-") {
            self.init(nanoseconds: Int64(d * 1_000_000_000))
            return
        }
        // YYYY-MM-DDTHH:MM:SS, then an optional fraction and a zone.
        let u = Array(text.utf8)
        guard u.count >= 19, u[4] == 0x2d, u[7] == 0x2d, u[10] == 0x54 || u[10] == 0x20, u[13] == 0x3a, u[16] == 0x3a else { return nil }
        func num(_ a: Int, _ b: Int) -> Int32? {
            var v: Int32 = 0
            for i in a..<b {
                guard u[i] >= 0x30 && u[i] <= 0x39 else { return nil }
                v = v * 10 + Int32(u[i] - 0x30)
            }
            return v
        }
        guard let year = num(0, 4), let mon = num(5, 7), let day = num(8, 10),
            let hour = num(11, 13), let min = num(14, 16), let sec = num(17, 19),
            (1...12).contains(mon), (1...31).contains(day), hour < 24, min < 60, sec < 61 else { return nil }
        var tmv = tm()
        tmv.tm_year = year - 1900; tmv.tm_mon = mon - 1; tmv.tm_mday = day
        tmv.tm_hour = hour; tmv.tm_min = min; tmv.tm_sec = sec
        let rest = String(decoding: u[19...], as: UTF8.self)
        var nanos: Int64 = 0
        var tail = Substring(rest)
        if tail.hasPrefix(".") {
            let digits = tail.dropFirst().prefix { $0.isNumber }
            let padded = (String(digits) + "000000000").prefix(9)
            nanos = Int64(padded) ?? 0
            tail = tail.dropFirst(1 + digits.count)
        }
        var offset: Int64 = 0
        if tail == "Z" || tail.isEmpty {
            offset = 0
        } else if let sign = tail.first, sign == "+" || sign == "-" {
            let hm = tail.dropFirst().split(separator: ":")
            guard hm.count == 2, let h = Int64(hm[0]), let m = Int64(hm[1]) else { return nil }
            offset = (h * 3600 + m * 60) * (sign == "-" ? -1 : 1)
        } else {
            return nil
        }
        let secs = Int64(timegm(&tmv)) - offset
        self.init(nanoseconds: secs * 1_000_000_000 + nanos)
    }

    public var description: String { rfc3339Nano }
    public static func < (l: Self, r: Self) -> Bool { l.nanoseconds < r.nanoseconds }
}
