import BerthAPI
import BerthContainers
import BerthCore
import BerthRuntime

/// `docker attach` and `docker resize`: the container's stdio through its monitor, streamed
/// both ways over the hijacked connection until either side ends or the client's stdin carries
/// the detach sequence.
struct AttachHandlers: Sendable {
    let containers: ContainerService

    func register(_ r: inout Router) {
        r.add(["POST"], "/containers/{id}/attach") { req in
            let ref = req.params["id"] ?? ""
            // `logs=1`: what the container wrote so far comes first (docker attach --logs, the SDK's
            // attach(logs=True)); with `stream=0` that is all.
            var replay: [UInt8] = []
            if req.boolQuery("logs") {
                let (c, lines) = try await containers.logs(ref)
                for line in lines where line.stream == .stdout ? req.boolQuery("stdout") : req.boolQuery("stderr") {
                    replay += c.tty ? line.bytes : line.stream.frame(line.bytes)
                }
                if !req.boolQuery("stream") {
                    return .upgradedStream(replay, contentType: APIResponse.streamContentType(tty: c.tty))
                }
            }
            let (c, handle) = try await containers.attach(ref)
            var keys = DetachKeys.default
            if let spec = req.query("detachKeys"), !spec.isEmpty, let parsed = DetachKeys(parsing: spec) { keys = parsed }
            let session = AttachSession(
                handle: handle, tty: c.tty, stdin: req.boolQuery("stdin") && c.openStdin, stdinOnce: c.stdinOnce,
                stdout: req.boolQuery("stdout"), stderr: req.boolQuery("stderr"), detachKeys: keys)
            let type = APIResponse.streamContentType(tty: c.tty)
            let logged = replay
            return .hijacked(contentType: type) { connection in
                if !logged.isEmpty { try? await connection.write(logged) }
                await session.run(connection)
            }
        }
        r.add(["POST"], "/containers/{id}/resize") { req in
            let (h, w) = try req.terminalSize()
            try await containers.resize(req.params["id"] ?? "", height: h, width: w)
            return APIResponse(status: 200)
        }
    }
}

/// One attach: output from conmon to the client (framed unless the container has a TTY), the
/// client's input to conmon (scanned for the detach keys).
struct AttachSession: Sendable {
    let handle: AttachHandle
    let tty: Bool
    let stdin: Bool
    /// The container's stdin closes when this client's input ends (`docker run -i`).
    let stdinOnce: Bool
    let stdout: Bool
    let stderr: Bool
    let detachKeys: DetachKeys

    func run(_ connection: HijackedConnection) async {
        // A container attached before its start: wait for it (nil: it will not start), unless the
        // client leaves first (or the daemon shuts down, which closes the connection).
        let handle = self.handle
        let waited = await withTaskGroup(of: AttachSocket??.self) { group in
            group.addTask { .some(await handle.socket()) }
            group.addTask {
                await connection.waitClosed()
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        guard let socket = waited ?? nil else {
            connection.close()
            return
        }
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await pumpOutput(from: socket, to: connection); return true }
            group.addTask { await pumpInput(from: connection, to: socket) }
            // A client that leaves while the container is silent (the output pump is waiting) ends it too.
            group.addTask {
                await connection.waitClosed()
                return true
            }
            // The session ends when the output ends (the container exited, or the client is gone and
            // writes fail) or the client detaches. The client half-closing its side (the docker CLI
            // does so at once when it sends no stdin) only ends the input.
            while let ended = await group.next() {
                if ended { break }
            }
            socket.close()
            connection.close()
            await group.waitForAll()
        }
    }

    private func pumpOutput(from socket: AttachSocket, to connection: HijackedConnection) async {
        for await chunk in socket.output {
            guard chunk.stream == .stdout ? stdout : stderr else { continue }
            let bytes = tty ? chunk.bytes : chunk.stream.frame(chunk.bytes)
            do { try await connection.write(bytes) } catch { return }
        }
    }

    /// Forwards the client's input; returns true when the client detached, false at its end of input.
    private func pumpInput(from connection: HijackedConnection, to socket: AttachSocket) async -> Bool {
        var keys = detachKeys
        for await bytes in connection.inbound {
            // Without stdin the client's input is read only to notice it leave.
            guard stdin else { continue }
            let (forward, detached) = keys.scan(bytes)
            if !forward.isEmpty {
                do { try await socket.write(forward) } catch { return false }
            }
            if detached { return true }
        }
        if stdin && stdinOnce { socket.closeInput() }
        return false
    }
}
