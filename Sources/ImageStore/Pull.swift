import Foundation

/// Where a pull is, for a progress bar.
public struct PullProgress: Sendable, Equatable {
    public enum Phase: String, Sendable {
        case resolving, downloading, unpacking, done
    }

    /// The normalised reference being pulled.
    public var image: String
    public var phase: Phase
    /// The blob being downloaded.
    public var blob: String?
    /// Bytes downloaded so far, over all blobs of this pull.
    public var completedBytes: Int64
    /// Bytes to download in all (blobs already stored are not counted).
    public var totalBytes: Int64
}

extension ImageStore {
    /// Pulls an image from its registry (OCI distribution API v2; plain HTTP for loopback and
    /// `options.insecureRegistries`, HTTPS otherwise), picking linux/amd64 from an index. Blobs are streamed to
    /// disk and checked against their digests, then stored and unpacked as `import` does. Blobs already in the
    /// store are not downloaded again. Errors read `pull <ref>: <what failed>`, e.g.
    /// `pull 127.0.0.1:5000/x:nope: manifest unknown (404)`.
    @discardableResult
    public func pull(_ ref: String, options: PullOptions = PullOptions(),
                     progress: (@Sendable (PullProgress) -> Void)? = nil) async throws -> ImageRecord {
        let parsed: ImageReference
        do { parsed = try ImageReference(parsing: ref) } catch let e as ImageStoreError { throw e.prefixed("pull \(ref)") }
        do {
            return try await pullParsed(parsed, options: options, progress: progress ?? { _ in })
        } catch let e as ImageStoreError {
            throw e.prefixed("pull \(parsed)")
        } catch {
            throw ImageStoreError(.network, "pull \(parsed): \(error)")
        }
    }

    private func pullParsed(_ ref: ImageReference, options: PullOptions,
                            progress: @escaping @Sendable (PullProgress) -> Void) async throws -> ImageRecord {
        let name = ref.description
        let client = RegistryClient(ref: ref, options: options)
        let reference = ref.digest ?? ref.tag ?? "latest"
        progress(PullProgress(image: name, phase: .resolving, blob: nil, completedBytes: 0, totalBytes: 0))

        // Already have exactly this manifest? Then only the name is new.
        if let digest = try? await client.manifestDigest(reference),
           let existing = records().first(where: { $0.manifestDigest == digest || $0.indexDigest == digest }) {
            let record = try await blocking {
                try self.addNames(ref.digest == nil ? [ref.taggedName!] : [], digests: ["\(ref.repository)@\(digest)"], to: existing.id)
            }
            if let record {
                progress(PullProgress(image: name, phase: .done, blob: nil, completedBytes: 0, totalBytes: 0))
                return record
            }
        }

        var (data, type) = try await client.manifest(reference)
        let topDigest = Digest.of(data)
        if let pinned = ref.digest, pinned != topDigest {
            throw ImageStoreError(.digestMismatch, "manifest \(pinned): digest mismatch (content hashes to \(topDigest))")
        }
        var indexDigest: String?
        var indexData: Data?
        if MediaType.isIndex(type) {
            let index: OCIIndex
            do { index = try JSONDecoder().decode(OCIIndex.self, from: data) } catch {
                throw ImageStoreError(.registry, "image index \(topDigest): \(error)")
            }
            guard let chosen = try PlatformChoice.pick(from: index.manifests, what: "image index \(topDigest)") else {
                throw ImageStoreError(.notFound, "image index \(topDigest): no usable manifest")
            }
            indexDigest = topDigest
            indexData = data
            (data, type) = try await client.manifest(chosen.digest)
            let got = Digest.of(data)
            guard got == chosen.digest else {
                throw ImageStoreError(.digestMismatch, "manifest \(chosen.digest): digest mismatch (content hashes to \(got))")
            }
        } else if type == MediaType.dockerManifestV1 || type == MediaType.dockerManifestV1Signed {
            throw ImageStoreError(.unsupported, "Docker schema 1 manifests are not supported")
        }
        let manifestDigest = Digest.of(data)

        let staging = try makeStaging("pull")
        defer { removeTree(staging) }
        let manifestPath = "\(staging)/\(Digest.hex(manifestDigest))"
        try writeFileAtomically(manifestPath, data)
        guard var pending = try ArchiveLayout.pendingImage(manifest: data, digest: manifestDigest, path: manifestPath, in: nil) else {
            throw ImageStoreError(.unsupported, "manifest \(manifestDigest) is not a container image")
        }
        if let indexDigest, let indexData {
            let p = "\(staging)/\(Digest.hex(indexDigest))"
            try writeFileAtomically(p, indexData)
            pending.indexDigest = indexDigest
            pending.extraBlobs.append(PendingBlob(expected: indexDigest, path: p, verified: true))
        }
        if ref.digest == nil { pending.names = [ref.taggedName!] }
        pending.digests = ["\(ref.repository)@\(indexDigest ?? manifestDigest)"]

        // Download what the store lacks, config first (small), then layers lowest first.
        let manifest = try JSONDecoder().decode(OCIManifest.self, from: data)
        let sizes = [manifest.config.size] + manifest.layers.map(\.size)
        var blobs = [pending.config] + pending.layers
        let missing = blobs.indices.filter { !FileManager.default.fileExists(atPath: blobPath(blobs[$0].expected!)) }
        let total = missing.reduce(Int64(0)) { $0 + sizes[$1] }
        var done: Int64 = 0
        for i in blobs.indices {
            let digest = blobs[i].expected!
            if !missing.contains(i) {
                blobs[i].path = blobPath(digest)
                blobs[i].verified = true
                continue
            }
            let path = "\(staging)/\(Digest.hex(digest))"
            let before = done
            progress(PullProgress(image: name, phase: .downloading, blob: digest, completedBytes: before, totalBytes: total))
            try await client.downloadBlob(digest, to: path) { n in
                progress(PullProgress(image: name, phase: .downloading, blob: digest, completedBytes: before + n, totalBytes: total))
            }
            done += fileSize(path)
            blobs[i].path = path
            blobs[i].verified = true
        }
        pending.config = blobs[0]
        pending.layers = Array(blobs.dropFirst())

        progress(PullProgress(image: name, phase: .unpacking, blob: nil, completedBytes: done, totalBytes: total))
        let ready = pending
        let stored = try await blocking { try self.commit([ready], staging: staging) }
        guard let record = stored.first else { throw ImageStoreError(.io, "stored nothing") }
        progress(PullProgress(image: name, phase: .done, blob: nil, completedBytes: done, totalBytes: total))
        return record
    }

    /// Adds names/digests to a stored image (moving them off any other image). Nil if the image is gone.
    func addNames(_ names: [String], digests: [String], to id: String) throws -> ImageRecord? {
        try lock.withLock {
            var records = try index.read()
            guard records.contains(where: { $0.id == id }) else { return nil }
            for j in records.indices {
                if records[j].id == id {
                    records[j].names = (records[j].names + names).uniqueSorted()
                    records[j].digests = (records[j].digests + digests).uniqueSorted()
                } else {
                    records[j].names.removeAll { names.contains($0) }
                    records[j].digests.removeAll { digests.contains($0) }
                }
            }
            try index.write(records)
            return records.first { $0.id == id }
        }
    }
}

/// Runs blocking work (hashing, unpacking, fsync) off Swift's cooperative thread pool.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async {
            do { c.resume(returning: try body()) } catch { c.resume(throwing: error) }
        }
    }
}
