import Foundation

/// The node's images: a content-addressed blob store, unpacked layers for overlayfs and an index of names.
///
/// Layout under `<dataDir>/images` (`root`):
/// - `blobs/sha256/<hex>`: manifests, configs and layer blobs exactly as shipped;
/// - `layers/<hex of diff_id>/`: each layer unpacked once, with overlayfs whiteouts; shared by all images;
/// - `index.json`: the images and their names (replaced atomically);
/// - `tmp/`: staging for imports and pulls (same file system, so moving into place is a rename);
/// - `lock`: flock'd by writers, so the server and the CLI can share a data dir.
///
/// Thread-safe: writers are serialised, readers see the last committed index (re-read when another process
/// changed it).
public final class ImageStore: @unchecked Sendable {
    public let root: String
    var blobsDir: String { root + "/blobs/sha256" }
    public var layersDir: String { root + "/layers" }
    var tmpDir: String { root + "/tmp" }

    let index: IndexFile
    let lock: StoreLock
    private let cacheLock = NSLock()
    private var cache: (stamp: IndexFile.Stamp?, records: [ImageRecord])?

    /// Opens (creating if needed) the store at `<dataDir>/images`, and removes staging left by dead processes.
    public init(dataDir: String) throws {
        let want = dataDir + "/images"
        try makeDirectories(want)
        // libarchive refuses to unpack through symlinks, so every path we hand it must be a real path.
        guard let real = realpath(want, nil) else { throw ImageStoreError.sys("realpath", want) }
        root = String(cString: real)
        free(real)
        for d in [root + "/blobs/sha256", root + "/layers", root + "/tmp"] { try makeDirectories(d) }
        index = IndexFile(path: root + "/index.json")
        lock = StoreLock(path: root + "/lock")
        cleanStaleStaging()
    }

    // MARK: Reading

    /// Every image, as persisted (sorted by first name, unnamed images last).
    public func records() -> [ImageRecord] {
        cacheLock.lock()
        defer { cacheLock.unlock() }
        let stamp = index.stamp()
        if let cache, cache.stamp == stamp { return cache.records }
        let records = (try? index.read()) ?? cache?.records ?? []
        cache = (stamp, records)
        return records
    }

    /// Every image, ready to run.
    public func list() -> [Image] {
        records().map { Image($0, layersDir: layersDir) }.sorted { a, b in
            switch (a.names.first, b.names.first) {
            case let (x?, y?): return x < y
            case (nil, nil): return a.id < b.id
            case (_?, nil): return true
            case (nil, _?): return false
            }
        }
    }

    /// Finds an image by name (normalised: `nginx` finds `docker.io/library/nginx:latest`), by
    /// `name@sha256:…`, or by ID (`sha256:…` or a unique hex prefix of at least 4 characters).
    public func resolve(_ ref: String) -> Image? {
        findRecord(ref, in: records()).map { Image($0, layersDir: layersDir) }
    }

    /// The record `ref` names (see `resolve`), or nil.
    func findRecord(_ ref: String, in records: [ImageRecord]) -> ImageRecord? {
        if let i = findIndex(ref, in: records) { return records[i] }
        return nil
    }

    func findIndex(_ ref: String, in records: [ImageRecord]) -> Int? {
        if let parsed = try? ImageReference(parsing: ref) {
            if let tagged = parsed.taggedName, parsed.digest == nil, let i = records.firstIndex(where: { $0.names.contains(tagged) }) {
                return i
            }
            if let digest = parsed.digest {
                let byDigest = records.firstIndex { r in
                    r.digests.contains(parsed.digestedName!)
                        || ((r.manifestDigest == digest || r.indexDigest == digest)
                            && r.names.contains { $0.hasPrefix(parsed.repository + ":") })
                }
                if let byDigest { return byDigest }
            }
        }
        // An image ID, full or abbreviated.
        var hex = ref
        if hex.hasPrefix(Digest.prefix) { hex = String(hex.dropFirst(Digest.prefix.count)) }
        guard hex.count >= 4, hex.count <= 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        let matches = records.indices.filter { Digest.hex(records[$0].id).hasPrefix(hex) }
        return matches.count == 1 ? matches[0] : nil
    }

    /// Path of a stored blob.
    public func blobPath(_ digest: String) -> String { "\(blobsDir)/\(Digest.hex(digest))" }

    // MARK: Import

    /// Imports every image of an OCI image-layout archive or a `docker save` archive (tar, or compressed tar).
    /// All blobs are checked against their digests and every layer against its diff_id before anything is
    /// stored; on any failure nothing of this archive is kept.
    public func `import`(archivePath: String) throws -> [ImageRecord] {
        let context = "import \(archivePath)"
        let staging = try makeStaging("import")
        defer { removeTree(staging) }
        return try withContext(context) {
            try extractPlainFiles(archive: archivePath, into: staging)
            let pending = try ArchiveLayout.images(in: staging, archive: archivePath)
            guard !pending.isEmpty else { throw ImageStoreError(.invalidArchive, "the archive holds no container image") }
            return try commit(pending, staging: staging)
        }
    }

    // MARK: Removal

    /// Removes a name, or the image: by name it untags (and deletes the image when no name is left, as
    /// `docker rmi` does); by ID or digest it deletes the image with all its names. Unreferenced blobs and
    /// layers are then garbage-collected. Refuses (`.inUse`) when a layer only this image uses is mounted.
    @discardableResult
    public func remove(_ ref: String) throws -> RemoveResult {
        try withContext("remove \(ref)") {
            try lock.withLock {
                var records = try index.read()
                guard let i = findIndex(ref, in: records) else {
                    throw ImageStoreError(.notFound, "no such image")
                }
                var result = RemoveResult(untagged: [], deleted: nil, removedBlobs: 0, removedLayers: 0)
                let parsed = try? ImageReference(parsing: ref)
                if let tagged = parsed?.taggedName, parsed?.digest == nil, records[i].names.contains(tagged), records[i].names.count > 1 {
                    records[i].names.removeAll { $0 == tagged }
                    result.untagged = [tagged]
                    if let repo = parsed?.repository, !records[i].names.contains(where: { $0.hasPrefix(repo + ":") }) {
                        result.untagged += records[i].digests.filter { $0.hasPrefix(repo + "@") }
                        records[i].digests.removeAll { $0.hasPrefix(repo + "@") }
                    }
                    try index.write(records)
                    return result
                }
                let victim = records[i]
                let others = records.enumerated().filter { $0.offset != i }.map(\.element)
                let stillUsed = Set(others.flatMap { $0.layers.map(\.diffID) })
                let mounted = mountedLayerDirs()
                if let busy = victim.layers.first(where: { !stillUsed.contains($0.diffID) && mounted.contains(layerPath($0.diffID)) }) {
                    throw ImageStoreError(.inUse, "image is in use by a container (layer \(busy.diffID) is mounted)")
                }
                records.remove(at: i)
                try index.write(records)
                result.untagged = victim.names + victim.digests
                result.deleted = victim.id
                let gc = try collectGarbage(keeping: records)
                result.removedBlobs = gc.blobs
                result.removedLayers = gc.layers
                return result
            }
        }
    }

    /// Deletes blobs and layer directories no image references (leftovers of crashes, or of removals).
    /// Mounted layers are kept.
    @discardableResult
    public func garbageCollect() throws -> (blobs: Int, layers: Int) {
        try withContext("garbage-collect \(root)") {
            try lock.withLock { try collectGarbage(keeping: try index.read()) }
        }
    }

    /// Must run under `lock`.
    private func collectGarbage(keeping records: [ImageRecord]) throws -> (blobs: Int, layers: Int) {
        let blobs = Set(records.flatMap { $0.blobDigests.map(Digest.hex) })
        let layers = Set(records.flatMap { $0.layers.map { Digest.hex($0.diffID) } })
        let mounted = mountedLayerDirs()
        var removed = (blobs: 0, layers: 0)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: blobsDir)) ?? [] where !blobs.contains(name) {
            if unlink("\(blobsDir)/\(name)") == 0 { removed.blobs += 1 }
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: layersDir)) ?? [] where !layers.contains(name) {
            let path = "\(layersDir)/\(name)"
            if mounted.contains(path) { continue }
            // Take it out of sight atomically first, so a crash mid-delete never leaves a half layer in place.
            let doomed = "\(tmpDir)/\(getpid())-gc-\(name)-\(UUID().uuidString.prefix(8))"
            guard rename(path, doomed) == 0 else { throw ImageStoreError.sys("rename", path) }
            removeTree(doomed)
            removed.layers += 1
        }
        return removed
    }

    func layerPath(_ diffID: String) -> String { "\(layersDir)/\(Digest.hex(diffID))" }

    // MARK: Staging

    /// A fresh directory under tmp/, named with our pid so `cleanStaleStaging` can tell live from dead.
    func makeStaging(_ kind: String) throws -> String {
        let path = "\(tmpDir)/\(getpid())-\(kind)-\(UUID().uuidString.prefix(12))"
        guard mkdir(path, 0o700) == 0 else { throw ImageStoreError.sys("mkdir", path) }
        return path
    }

    private func cleanStaleStaging() {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: tmpDir)) ?? [] {
            guard let pid = Int32(name.prefix { $0.isNumber }) else { continue }
            if kill(pid, 0) == -1 && errno == ESRCH { removeTree("\(tmpDir)/\(name)") }
        }
    }
}

/// `rm -rf`, best effort (used on staging and on layers already renamed out of the way).
func removeTree(_ path: String) {
    try? FileManager.default.removeItem(atPath: path)
}

/// Layer directories used as overlayfs lower dirs by a mount visible to us (a container's rootfs).
func mountedLayerDirs() -> Set<String> {
    guard let handle = FileHandle(forReadingAtPath: "/proc/self/mountinfo"), let data = try? handle.readToEnd() else { return [] }
    // Read to EOF: Foundation's one-shot readers truncate procfs files.
    let text = String(decoding: data, as: UTF8.self)
    var dirs = Set<String>()
    for line in text.split(separator: "\n") {
        // "… - overlay overlay rw,lowerdir=a:b,upperdir=…,workdir=…"
        guard let sep = line.range(of: " - ") else { continue }
        let tail = line[sep.upperBound...].split(separator: " ")
        guard tail.count >= 3, tail[0] == "overlay" else { continue }
        for opt in tail[2].split(separator: ",") where opt.hasPrefix("lowerdir=") || opt.hasPrefix("lowerdir+=") {
            let value = opt.split(separator: "=", maxSplits: 1).last ?? ""
            for d in value.split(separator: ":") { dirs.insert(unescapeMountinfo(String(d))) }
        }
    }
    return dirs
}

/// mountinfo escapes space, tab, newline and backslash as \ooo.
private func unescapeMountinfo(_ s: String) -> String {
    guard s.contains("\\") else { return s }
    var out = [UInt8]()
    let u = Array(s.utf8)
    var i = 0
    while i < u.count {
        if u[i] == UInt8(ascii: "\\"), i + 3 < u.count, let v = UInt8(String(decoding: u[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
            out.append(v)
            i += 4
        } else {
            out.append(u[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}
