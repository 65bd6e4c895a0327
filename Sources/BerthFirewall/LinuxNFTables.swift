#if canImport(Glibc)
import Glibc
#endif
import BerthCore
import CNFTables

/// nftables through libnftables, in-process (no `nft` child). Each call runs on a thread Berth
/// owns, moved into the target namespace first when it is a sandbox, since the netlink socket
/// libnftables opens belongs to the namespace of the thread that opens it.
public struct LinuxNFTables: NFTables {
    public init() {}

    public func apply(_ script: String, in target: FirewallTarget) async throws(FirewallError) {
        _ = try await run(script, in: target)
    }

    public func query(_ command: String, in target: FirewallTarget) async throws(FirewallError) -> String {
        try await run(command, in: target)
    }

    private func run(_ script: String, in target: FirewallTarget) async throws(FirewallError) -> String {
        do {
            switch target {
            case .host:
                return try await NamespaceThread.run(thenCleanUp: { Self.runHere(script) })
            case let .namespace(path):
                do {
                    return try await NamespaceThread.run(network: .enterPath(path), thenCleanUp: { Self.runHere(script) })
                } catch let error as NamespaceThread.Error {
                    throw FirewallError.namespace(path: path, reason: "\(error)")
                } catch let error as NetworkNamespace.Error {
                    throw FirewallError.namespace(path: path, reason: "\(error)")
                }
            }
        } catch let error as FirewallError {
            throw error
        } catch {
            throw .unavailable("\(error)")
        }
    }

    /// Runs `script` with a fresh libnftables context on the calling thread (in its namespace).
    /// The context is freed as clean-up, after the caller has its answer: freeing closes the
    /// context's netlink socket, and the kernel makes that close wait for the RCU grace period
    /// that ends the last transaction (4–20 ms here), which nobody needs to wait for.
    static func runHere(_ script: String) -> (outcome: Result<String, any Error>, cleanUp: @Sendable () -> Void) {
        guard let ctx = nft_ctx_new(UInt32(NFT_CTX_DEFAULT)) else {
            return (.failure(FirewallError.unavailable("nft_ctx_new failed")), {})
        }
        let context = Context(ctx)
        _ = nft_ctx_buffer_output(ctx)
        _ = nft_ctx_buffer_error(ctx)
        let rc = nft_run_cmd_from_buffer(ctx, script)
        let outcome: Result<String, any Error>
        if rc != 0 {
            let message = nft_ctx_get_error_buffer(ctx).map { String(cString: $0) } ?? "error \(rc)"
            outcome = .failure(FirewallError.rejected(message: message, script: script))
        } else {
            outcome = .success(nft_ctx_get_output_buffer(ctx).map { String(cString: $0) } ?? "")
        }
        return (outcome, { nft_ctx_free(context.pointer) })
    }

    /// A libnftables context handed to the clean-up closure (used by one thread at a time).
    private final class Context: @unchecked Sendable {
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
    }
}
