import BerthAPI
import BerthContainers
import BerthCore
import BerthRuntime

/// `docker exec` and `docker logs`: exec instances, and the container's log as dockerd's
/// multiplexed stream (8-byte frame headers: stream, 0, 0, 0, big-endian length).
struct ExecHandlers: Sendable {
    let containers: ContainerService

    func register(_ r: inout Router) {
        r.add(["POST"], "/containers/{id}/exec") { req in
            let body = try req.jsonBody()
            let args = body["Cmd"]?.arrayValue?.compactMap(\.stringValue) ?? body["Cmd"]?.stringValue.map { [$0] } ?? []
            let e = try await containers.createExec(
                req.params["id"] ?? "", args: args, env: body["Env"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                user: body["User"]?.stringValue ?? "", workingDir: body["WorkingDir"]?.stringValue ?? "",
                tty: body["Tty"]?.boolValue ?? false, attachStdout: body["AttachStdout"]?.boolValue ?? true,
                attachStderr: body["AttachStderr"]?.boolValue ?? true, attachStdin: body["AttachStdin"]?.boolValue ?? false)
            return .json(.obj(["Id": .string(e.id)]), status: 201)
        }
        r.add(["POST"], "/exec/{id}/start") { req in
            // The docker CLI sends this as an upgrade request; its small body may not reach us.
            let body = (try? req.jsonBody()) ?? .object([])
            let id = req.params["id"] ?? ""
            let e = try await containers.exec(id)
            if body["Detach"]?.boolValue == true {
                Task { _ = try? await containers.startExec(id) }
                return APIResponse(status: 200)
            }
            // Streamed as the process writes (dockerd's behaviour; docker-py also needs the output to
            // come after the head), with stdin only when attached.
            let session = try await containers.startInteractiveExec(id)
            let type = APIResponse.streamContentType(tty: e.tty)
            let service = containers
            return .hijacked(contentType: type) { connection in
                if await InteractiveExecStream(session: session, exec: e).run(connection) == .clientLeft {
                    session.hangUp()
                }
                // The exit code is recorded before the client sees the end of the stream: the
                // docker CLI inspects the exec right then.
                await service.execEnded(id, code: await session.wait())
                connection.close()
            }
        }
        r.add(["POST"], "/exec/{id}/resize") { req in
            let (h, w) = try req.terminalSize()
            try await containers.resizeExec(req.params["id"] ?? "", height: h, width: w)
            return APIResponse(status: 200)
        }
        r.add(["GET"], "/exec/{id}/json") { req in
            let e = try await containers.exec(req.params["id"] ?? "")
            return .json(.obj([
                "CanRemove": .bool(false), "ContainerID": .string(e.containerID), "DetachKeys": .string(""),
                "ExitCode": e.exitCode.map { .int(Int64($0)) } ?? .null, "ID": .string(e.id), "OpenStderr": .bool(e.attachStderr),
                "OpenStdin": .bool(e.attachStdin), "OpenStdout": .bool(e.attachStdout), "Running": .bool(e.running),
                "ProcessConfig": .obj([
                    "arguments": .array(e.args.dropFirst().map { .string($0) }), "entrypoint": .string(e.args.first ?? ""),
                    "privileged": .bool(false), "tty": .bool(e.tty), "user": .string(e.user),
                ]),
                "Pid": .int(0),
            ]))
        }
        r.add(["GET"], "/containers/{id}/logs") { req in
            let wantOut = req.boolQuery("stdout")
            let wantErr = req.boolQuery("stderr")
            guard wantOut || wantErr else {
                throw BerthError.invalidArgument("Bad parameters: you must choose at least one stream")
            }
            let (c, lines) = try await containers.logs(req.params["id"] ?? "")
            var selected = lines.filter { ($0.stream == .stdout && wantOut) || ($0.stream == .stderr && wantErr) }
            if let tail = req.query("tail"), tail != "all", let n = Int(tail), n >= 0 { selected = Array(selected.suffix(n)) }
            var body: [UInt8] = []
            for line in selected {
                let bytes = req.boolQuery("timestamps") ? Array((line.timestamp.rfc3339Nano + " ").utf8) + line.bytes : line.bytes
                body += c.tty ? bytes : line.stream.frame(bytes)
            }
            let type = APIResponse.streamContentType(tty: c.tty)
            return APIResponse(status: 200, headers: [("Content-Type", type)], body: body)
        }
    }
}

/// An interactive exec over a hijacked connection: the process's output to the client (framed per
/// stream unless it has a terminal), the client's input to the process until the client ends it.
/// Returns when the output has ended or the client has left; the caller closes the connection.
struct InteractiveExecStream: Sendable {
    let session: any InteractiveExec
    let exec: ExecInstance

    enum Ending {
        case outputEnded
        case clientLeft
    }

    func run(_ connection: HijackedConnection) async -> Ending {
        let session = self.session
        let exec = self.exec
        // Without an attached stdin the process reads an immediate end of input, as with dockerd.
        if !exec.attachStdin { session.closeInput() }
        return await withTaskGroup(of: Ending?.self) { group in
            group.addTask {
                for await chunk in session.output {
                    guard exec.tty || (chunk.stream == .stdout ? exec.attachStdout : exec.attachStderr) else { continue }
                    let bytes = exec.tty ? chunk.bytes : chunk.stream.frame(chunk.bytes)
                    do { try await connection.write(bytes) } catch { return .clientLeft }
                }
                return .outputEnded
            }
            // A client that closes the connection while the process is silent is noticed here.
            group.addTask {
                await connection.waitClosed()
                return .clientLeft
            }
            group.addTask {
                for await bytes in connection.inbound where exec.attachStdin {
                    do { try await session.write(bytes) } catch { break }
                }
                // The client's input ended (`echo x | docker exec -i`): so does the process's.
                if exec.attachStdin { session.closeInput() }
                return nil
            }
            // The output's end or the client's departure ends the session; the end of the client's
            // input alone does not.
            var ending = Ending.outputEnded
            while let next = await group.next() {
                if let next {
                    ending = next
                    break
                }
            }
            group.cancelAll()
            return ending
        }
    }
}
