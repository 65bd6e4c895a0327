import BerthCore

extension ImageStore {
    /// `docker rmi`: removes the tag `reference` names, and the image once no tag is left, with
    /// dockerd's rules and messages:
    /// - by tag, when that is the image's only tag and a container uses the image: refused
    ///   (409, "must force") unless `force`;
    /// - by id: refused while a container runs it (even forced), while a stopped container
    ///   uses it or other tags point at it (unless `force`, which removes those tags too);
    /// - a forced untag of an image a running container uses leaves the image, dangling.
    ///
    /// Returns the `Untagged` / `Deleted` lines; deleted layers appear by chain id, top first.
    public func remove(_ reference: String, force: Bool = false) async throws(BerthError) -> [ImageDeleteItem] {
        let resolved = try resolve(reference)
        let users = await usage.containers(usingImage: resolved)
        // The store may have changed while we asked; resolve again.
        let id = try resolve(reference)
        guard id == resolved else { return try await remove(reference, force: force) }

        var records: [ImageDeleteItem] = []
        var quiet = false
        let tags = index.tags(of: id)
        if !Self.isIDPrefix(reference, of: id) {
            let target = try Self.parseTarget(reference)
            if !force, tags.count == 1, let user = users.first {
                throw .conflict(
                    "conflict: unable to remove repository reference \"\(reference)\" (must force) - container "
                        + "\(Identifier.short(user.containerID)) is using its referenced image \(Self.short(id))")
            }
            index.remove(target)
            records.append(.untagged(target.familiarString))
            if !index.tags(of: id).isEmpty {
                try await persistIndex()
                return records
            }
            quiet = true
        } else if tags.count == 1 {
            // Removing the only tag along with the image: check the conflicts first.
            if let conflict = Self.conflict(id: id, users: users, remainingTags: 0, force: force, checkTags: false) {
                throw conflict.error
            }
            for tag in tags {
                if let parsed = try? ImageReference(parsing: tag) { index.remove(parsed) }
                records.append(.untagged(tag))
            }
        }

        if let conflict = Self.conflict(id: id, users: users, remainingTags: index.tags(of: id).count, force: force, checkTags: true) {
            // After a forced untag, an image still in use just stays, dangling.
            if quiet && conflict.used {
                try await persistIndex()
                return records
            }
            if !records.isEmpty { try await persistIndex() }
            throw conflict.error
        }
        for tag in index.tags(of: id) {
            if let parsed = try? ImageReference(parsing: tag) { index.remove(parsed) }
            records.append(.untagged(tag))
        }
        // A stopped container still uses the layers (forced removal): they stay, as dockerd keeps
        // them for the container's read-write layer.
        return records + (try await delete(id, keepLayers: !users.isEmpty))
    }

    /// Deletes image `id` (already untagged): its config, then the layers nothing else uses.
    private func delete(_ id: String, keepLayers: Bool) async throws(BerthError) -> [ImageDeleteItem] {
        let diffIDs = configs[id]?.rootfs.diffIDs ?? []
        configs[id] = nil
        try await persistIndex()
        let path = layout.configPath(String(id.dropFirst(7)))
        try await Self.blocking { try FileSystem.removeTree(path) }
        let removed = Set(try await collectLayers(alsoKeeping: keepLayers ? Set(diffIDs) : []))
        let chains = Self.chainIDs(diffIDs)
        let deletedLayers = zip(diffIDs, chains).reversed().filter { removed.contains($0.0) }.map { ImageDeleteItem.deleted($0.1) }
        return [.deleted(id)] + deletedLayers
    }

    private struct Conflict {
        var error: BerthError
        var used: Bool
    }

    /// dockerd's delete conflicts, hard ones (a running container) first.
    private static func conflict(id: String, users: [ImageUser], remainingTags: Int, force: Bool, checkTags: Bool) -> Conflict? {
        func make(_ hard: Bool, _ why: String, used: Bool) -> Conflict {
            let how = hard ? "cannot be forced" : "must be forced"
            return Conflict(error: .conflict("conflict: unable to delete \(short(id)) (\(how)) - \(why)"), used: used)
        }
        if let running = users.first(where: \.isRunning) {
            return make(true, "image is being used by running container \(Identifier.short(running.containerID))", used: true)
        }
        guard !force else { return nil }
        if checkTags && remainingTags > 0 {
            return make(false, "image is referenced in multiple repositories", used: false)
        }
        if let stopped = users.first {
            return make(false, "image is being used by stopped container \(Identifier.short(stopped.containerID))", used: true)
        }
        return nil
    }

    /// Whether the user named the image by (a prefix of) its id, as dockerd decides it.
    static func isIDPrefix(_ text: String, of id: String) -> Bool {
        id.hasPrefix(text) || id.dropFirst(7).hasPrefix(text)
    }

    /// The 12-hex short form of `sha256:<hex>`.
    static func short(_ id: String) -> String { Identifier.short(String(id.dropFirst(7))) }

    /// Layer chain ids (`sha256:`), bottom first: the first is the diff id, each next one the
    /// digest of `"<parent chain id> <diff id>"`.
    static func chainIDs(_ diffIDs: [String]) -> [String] {
        var chains: [String] = []
        for diff in diffIDs {
            if let parent = chains.last {
                chains.append("sha256:" + SHA256.hex(Array((parent + " " + diff).utf8)))
            } else {
                chains.append(diff)
            }
        }
        return chains
    }
}
