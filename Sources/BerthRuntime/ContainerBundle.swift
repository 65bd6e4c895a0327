#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

#if canImport(Glibc)
import Glibc
#endif

/// The files the runtime keeps in a container's bundle directory, next to `config.json`:
///
///     config.json       the OCI spec (OCISpecBuilder)
///     berth-runtime.json where the exit file and the log are (`Record`), so a restarted daemon finds them
///     container.pid     runc's pidfile of the container's init
///     conmon.pid        the monitor's pid (conmon --conmon-pidfile)
///     runc.log          runc's own JSON log (errors of create)
///     conmon/           conmon's persist dir (its copy of the exit status, `exit`, and `oom`)
///     attach, ctl, winsz conmon's attach socket and control fifos
///
/// The bundle directory itself belongs to the caller, who removes it.
struct ContainerBundle: Sendable {
    /// What a later `state`, `waitExit` or `logs` needs to know about a container's monitor.
    struct Record: Codable, Equatable, Sendable {
        var exitDirectory: String
        var logPath: String
    }

    let path: String

    var config: String { path + "/config.json" }
    var recordFile: String { path + "/berth-runtime.json" }
    var containerPidFile: String { path + "/container.pid" }
    var conmonPidFile: String { path + "/conmon.pid" }
    var runcLog: String { path + "/runc.log" }
    var persistDirectory: String { path + "/conmon" }

    func exitFile(id: String, record: Record) -> String { record.exitDirectory + "/" + id }

    /// Writes the record; blocking.
    func write(_ record: Record) throws {
        do {
            try FileIO.write(Array(try JSONEncoder().encode(record)), to: recordFile)
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError.malformed("cannot encode \(recordFile): \(error)")
        }
    }

    /// Reads the record; blocking. nil when the bundle has none (not created by this runtime).
    func readRecord() throws -> Record? {
        guard let bytes = try FileIO.readIfPresent(recordFile) else { return nil }
        do {
            return try JSONDecoder().decode(Record.self, from: Data(bytes))
        } catch {
            throw RuntimeError.malformed("\(recordFile) is not a runtime record (\(error)); recreate the container")
        }
    }

    /// The monitor's pid from its pidfile, if it wrote one.
    func conmonPid() -> Int32? {
        guard let bytes = try? FileIO.readIfPresent(conmonPidFile) else { return nil }
        return Int32(ChildProcess.Output.trim(bytes))
    }
}
