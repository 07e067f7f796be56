import Foundation

extension ImageStore {
    /// Verifies and stores pending images (from an archive or a pull), all or nothing:
    /// 1. every blob is hashed against its digest, every config parsed;
    /// 2. each new layer is unpacked into a temporary directory and its diff_id checked against the config;
    /// 3. only then are the layer directories renamed into place, the blobs moved into the store and the index
    ///    rewritten. A failure in 1–2 leaves the store as it was (temporary directories are removed).
    func commit(_ pending: [PendingImage], staging: String) throws -> [ImageRecord] {
        try lock.withLock {
            var records = try index.read()
            var knownSizes: [String: Int64] = [:]
            for r in records { for l in r.layers { knownSizes[l.diffID] = l.unpackedSize } }

            var unpacked: [String: (dir: String, size: Int64)] = [:]
            var placed = Set<String>()
            defer { for (diffID, u) in unpacked where !placed.contains(diffID) { removeTree(u.dir) } }
            var toStore: [String: String] = [:]  // digest → file holding its bytes
            var fresh: [ImageRecord] = []

            for p in pending {
                let configDigest = try verify(p.config, what: "config")
                toStore[configDigest] = p.config.path
                let cfg = try withContext("config \(configDigest)") {
                    try ArchiveLayout.decode(ImageConfigFile.self, file: p.config.path, what: "image config")
                }
                guard cfg.rootfs.diffIDs.count == p.layers.count else {
                    throw ImageStoreError(.invalidArchive, "config \(configDigest) lists \(cfg.rootfs.diffIDs.count) diff_ids for \(p.layers.count) layers")
                }
                var layers: [LayerRecord] = []
                for (i, blob) in p.layers.enumerated() {
                    let diffID = cfg.rootfs.diffIDs[i]
                    guard Digest.isValid(diffID) else {
                        throw ImageStoreError(.invalidArchive, "config \(configDigest): unsupported diff_id \(diffID)")
                    }
                    let digest = try verify(blob, what: "layer")
                    toStore[digest] = blob.path
                    var size: Int64
                    if let u = unpacked[diffID] {
                        size = u.size
                    } else if FileManager.default.fileExists(atPath: layerPath(diffID)) {
                        size = knownSizes[diffID] ?? regularFileBytes(layerPath(diffID))
                    } else {
                        let dir = try makeStaging("layer")
                        unpacked[diffID] = (dir, 0)
                        let r = try LayerUnpacker.unpack(blob: blob.path, into: dir, what: "layer \(digest)")
                        guard r.diffID == diffID else {
                            throw ImageStoreError(.digestMismatch, "layer \(digest): uncompressed content hashes to \(r.diffID), the config says \(diffID)")
                        }
                        // Staging dirs are 0700; the layer root becomes the container's "/" when it is the top.
                        guard chmod(dir, 0o755) == 0 else { throw ImageStoreError.sys("chmod", dir) }
                        unpacked[diffID] = (dir, r.unpackedSize)
                        size = r.unpackedSize
                    }
                    layers.append(LayerRecord(digest: digest, diffID: diffID, mediaType: blob.mediaType,
                                              size: fileSize(blob.path), unpackedSize: size))
                }
                for extra in p.extraBlobs {
                    toStore[try verify(extra, what: "manifest")] = extra.path
                }
                let repoDigest = p.indexDigest ?? p.manifestDigest
                let digests = repoDigest.map { d in
                    Set(p.names.compactMap { try? ImageReference(parsing: $0).repository }).map { "\($0)@\(d)" }
                } ?? []
                fresh.append(ImageRecord(
                    id: configDigest, names: p.names.sorted(), digests: (digests + p.digests).uniqueSorted(),
                    manifestDigest: p.manifestDigest, indexDigest: p.indexDigest, layers: layers,
                    config: ImageConfig(cfg.config), architecture: cfg.architecture ?? "", os: cfg.os ?? "",
                    created: cfg.created, storedAt: ISO8601DateFormatter().string(from: Date())))
            }

            // Everything checked: make it visible. Layers first, then blobs, then the index that refers to them,
            // so a crash in between only leaves unreferenced files for the garbage collector.
            for (diffID, u) in unpacked {
                if rename(u.dir, layerPath(diffID)) != 0 {
                    // Another writer placed the same layer meanwhile (it has the same content): keep theirs.
                    guard errno == EEXIST || errno == ENOTEMPTY else { throw ImageStoreError.sys("rename", "\(u.dir) → \(layerPath(diffID))") }
                    removeTree(u.dir)
                }
                placed.insert(diffID)
            }
            for (digest, source) in toStore where source != blobPath(digest) {
                if FileManager.default.fileExists(atPath: blobPath(digest)) { continue }
                guard rename(source, blobPath(digest)) == 0 else {
                    throw ImageStoreError.sys("rename", "\(source) → \(blobPath(digest))")
                }
            }
            fsyncDirectory(blobsDir)
            fsyncDirectory(layersDir)
            for r in fresh { merge(r, into: &records) }
            try index.write(records)
            let ids = Set(fresh.map(\.id))
            return records.filter { ids.contains($0.id) }
        }
    }

    /// The blob's digest after checking it matches what it claims (or computing it when nothing claims one).
    private func verify(_ blob: PendingBlob, what: String) throws -> String {
        if blob.verified, let d = blob.expected { return d }
        let (actual, _) = try Digest.ofFile(blob.path)
        if let expected = blob.expected, expected != actual {
            throw ImageStoreError(.digestMismatch, "\(what) blob \(expected): digest mismatch (content hashes to \(actual))")
        }
        return actual
    }

    /// Adds an image to the index. Its names and digests move to it from any other image (as `docker tag`
    /// does); the same image stored again gains the new names.
    private func merge(_ new: ImageRecord, into records: inout [ImageRecord]) {
        for j in records.indices where records[j].id != new.id {
            records[j].names.removeAll { new.names.contains($0) }
            records[j].digests.removeAll { new.digests.contains($0) }
        }
        if let j = records.firstIndex(where: { $0.id == new.id }) {
            var r = records[j]
            r.names = (r.names + new.names).uniqueSorted()
            r.digests = (r.digests + new.digests).uniqueSorted()
            r.manifestDigest = new.manifestDigest ?? r.manifestDigest
            r.indexDigest = new.indexDigest ?? r.indexDigest
            r.layers = new.layers
            records[j] = r
        } else {
            records.append(new)
        }
    }
}

func fileSize(_ path: String) -> Int64 {
    var st = stat()
    return stat(path, &st) == 0 ? Int64(st.st_size) : 0
}

/// Bytes of regular files under `dir` (for a layer unpacked by an earlier process whose record is gone).
func regularFileBytes(_ dir: String) -> Int64 {
    guard let e = FileManager.default.enumerator(atPath: dir) else { return 0 }
    var total: Int64 = 0
    while let rel = e.nextObject() as? String {
        var st = stat()
        if lstat(dir + "/" + rel, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG { total += Int64(st.st_size) }
    }
    return total
}

extension Array where Element == String {
    func uniqueSorted() -> [String] { Array(Set(self)).sorted() }
}
