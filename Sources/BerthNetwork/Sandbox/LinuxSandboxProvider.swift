#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import BerthNetlink
import Foundation
import NIOPosix

/// Opens a sandbox's namespace file, and a netlink socket inside that namespace (opened on a
/// thread Berth owns; no Swift concurrency thread ever enters the namespace).
public struct LinuxSandboxProvider: SandboxProvider {
    private let threadPool: NIOThreadPool

    public init(threadPool: NIOThreadPool) { self.threadPool = threadPool }

    public func open(_ sandboxKey: String) async throws -> SandboxHandle {
        let fd = try NetworkNamespace.open(sandboxKey)
        do {
            let netlink = try await LinuxRouteNetlink(namespaceFD: fd, threadPool: threadPool)
            return SandboxHandle(netlink: netlink, namespaceFD: fd) { _ = Glibc.close(fd) }
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
    }

    public func create(_ key: String) async throws {
        try await NetworkNamespace.create(at: key)
    }

    public func remove(_ key: String) async throws {
        try NetworkNamespace.remove(at: key)
    }

    public func list(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
    }
}
