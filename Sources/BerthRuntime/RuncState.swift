#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What `runc state <id>` prints (the OCI state, plus runc's extra fields).
struct RuncState: Decodable, Equatable {
    var id: String
    /// The init process on the host; 0 once stopped.
    var pid: Int32
    /// `creating`, `created`, `running`, `pausing`, `paused` or `stopped`.
    var status: String
    var bundle: String

    static func decode(_ bytes: [UInt8]) throws -> RuncState {
        do {
            return try JSONDecoder().decode(RuncState.self, from: Data(bytes))
        } catch {
            throw RuntimeError.malformed(
                "runc state printed something that is not a container state: \(ChildProcess.Output.trim(Array(bytes.prefix(200))))")
        }
    }

    /// The runc error in a JSON log (`--log-format json`), nil when runc logged none.
    static func loggedError(_ log: [UInt8]) -> String? {
        String(decoding: log, as: UTF8.self).contains("\"level\":\"error\"") ? errorMessage(log) : nil
    }

    /// The message of a runc error line (`time="…" level=error msg="container does not exist"`) or
    /// of its JSON log (`{"level":"error","msg":"…"}`); the trimmed text when it is neither.
    static func errorMessage(_ output: [UInt8]) -> String {
        let text = ChildProcess.Output.trim(output)
        var last: String?
        for line in text.split(separator: "\n") {
            if line.hasPrefix("{"), let entry = try? JSONDecoder().decode(LogEntry.self, from: Data(line.utf8)),
                entry.level == "error" || entry.level == "fatal"
            {
                last = entry.msg
            } else if let range = line.firstRange(of: "msg=\"") {
                var message = ""
                var escaped = false
                for c in line[range.upperBound...] {
                    if escaped {
                        message.append(c)
                        escaped = false
                    } else if c == "\\" {
                        escaped = true
                    } else if c == "\"" {
                        break
                    } else {
                        message.append(c)
                    }
                }
                last = message
            }
        }
        return last ?? text
    }

    private struct LogEntry: Decodable {
        var level: String
        var msg: String
    }
}
