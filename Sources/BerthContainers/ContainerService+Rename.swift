import BerthCore
import BerthStore

extension ContainerService {
    /// `POST /containers/{id}/rename?name=NEW`, as dockerd does it: the name is checked like a
    /// create's, legacy links naming the old name follow the container, a running container's
    /// names in the embedded DNS change at once, and a `rename` event carries the old name.
    /// docker-compose renames a container out of the way before it recreates it.
    public func rename(_ ref: String, to requested: String) async throws {
        var c = try find(ref)
        let new = requested.hasPrefix("/") ? String(requested.dropFirst()) : requested
        guard !new.isEmpty, !c.name.isEmpty else { throw BerthError.invalidArgument("Neither old nor new names may be empty") }
        guard ContainerNames.isValid(new) else {
            throw BerthError.invalidArgument("Invalid container name (\(requested)), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        let old = c.name
        guard new != old else {
            throw BerthError.invalidArgument("Renaming a container with the same name as its current name")
        }
        if let other = containers.values.first(where: { $0.name == new }) {
            throw BerthError.conflict("Error when allocating new name: Conflict. The container name \"/\(new)\" is already in use by container \"\(other.id)\". You have to remove (or rename) that container to be able to reuse that name.")
        }
        guard !pendingNames.contains(new) else {
            throw BerthError.conflict("Error when allocating new name: Conflict. The container name \"/\(new)\" is already in use. You have to remove (or rename) that container to be able to reuse that name.")
        }
        guard c.status != .removing else {
            throw BerthError.conflict("cannot rename container \(c.id): removal of container \(old) is already in progress")
        }
        // A hostname that followed the name is the container's own choice: it stays, as in dockerd.
        c.name = new
        var changed = [c]
        for var parent in containers.values where parent.id != c.id && parent.links.contains(where: { $0.name == old }) {
            parent.links = parent.links.map { $0.name == old ? .init(name: new, alias: $0.alias) : $0 }
            changed.append(parent)
        }
        for record in changed {
            do { try await store.saveContainer(record) } catch {
                throw BerthError.internalError("cannot save container \(record.name): \(error)", cause: error)
            }
        }
        for record in changed { containers[record.id] = record }
        if c.status == .running {
            do { try await refreshDNS(c) } catch {
                logger.warning("embedded dns not updated after rename", metadata: ["container": "\(new)", "error": "\(error)"])
            }
        }
        logger.info("container renamed", metadata: ["from": "\(old)", "to": "\(new)"])
        publish("rename", c, ["oldName": "/" + old])
    }
}
