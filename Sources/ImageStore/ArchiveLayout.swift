import Foundation

/// A blob waiting to enter the content store: where its bytes are, and what they must hash to.
struct PendingBlob: Sendable {
    /// The digest the manifest/descriptor claims; nil when nothing names it (a legacy `docker save` layer.tar).
    var expected: String?
    var path: String
    /// Already hashed on the way in (a download) or already in the store.
    var verified = false
    var mediaType: String = MediaType.ociLayerTar
}

/// An image found in an archive or fetched from a registry, not yet verified nor stored.
struct PendingImage: Sendable {
    var names: [String] = []
    var digests: [String] = []
    var manifestDigest: String?
    var indexDigest: String?
    var config: PendingBlob
    var layers: [PendingBlob]
    /// Manifest and index bytes, kept in the store so the image can be pushed/inspected later.
    var extraBlobs: [PendingBlob] = []
}

/// Reads an extracted archive directory: an OCI image layout (oci-layout, index.json, blobs/sha256/…) or a
/// `docker save` archive (manifest.json, <id>.json, <id>/layer.tar), including Docker ≥ 25's archives that are both.
enum ArchiveLayout {
    static func images(in dir: String, archive: String) throws -> [PendingImage] {
        let fm = FileManager.default
        let hasOCI = fm.fileExists(atPath: dir + "/oci-layout") && fm.fileExists(atPath: dir + "/index.json")
        let hasDocker = fm.fileExists(atPath: dir + "/manifest.json")
        // Names from manifest.json (RepoTags), keyed by config digest, for OCI layouts whose annotations carry
        // only a tag.
        var dockerEntries: [DockerSaveEntry] = []
        if hasDocker {
            dockerEntries = try decode([DockerSaveEntry].self, file: dir + "/manifest.json", what: "manifest.json")
        }
        if hasOCI {
            var images = try ociImages(in: dir)
            if !dockerEntries.isEmpty {
                for i in images.indices where images[i].names.isEmpty {
                    guard let cd = images[i].config.expected else { continue }
                    let tags = dockerEntries.filter { $0.config.hasSuffix(Digest.hex(cd)) }.flatMap { $0.repoTags ?? [] }
                    images[i].names = try normalizedNames(tags)
                }
            }
            return images
        }
        if hasDocker {
            return try dockerEntries.map { try dockerImage($0, in: dir) }
        }
        throw ImageStoreError(.invalidArchive, "neither an OCI image layout (oci-layout, index.json) nor a docker save archive (manifest.json)")
    }

    // MARK: OCI image layout

    private static func ociImages(in dir: String) throws -> [PendingImage] {
        let index = try decode(OCIIndex.self, file: dir + "/index.json", what: "index.json")
        var out: [PendingImage] = []
        for desc in index.manifests {
            let names = try nameFromAnnotations(desc.annotations).map { [$0] } ?? []
            let (kind, data, path) = try loadJSONBlob(desc, in: dir)
            var image: PendingImage
            if kind == .index {
                let nested = try JSONDecoder().decode(OCIIndex.self, from: data)
                guard let chosen = try PlatformChoice.pick(from: nested.manifests, what: "image index \(desc.digest)") else { continue }
                let (k2, d2, p2) = try loadJSONBlob(chosen, in: dir)
                guard k2 == .manifest else { continue }
                guard var img = try pendingImage(manifest: d2, digest: chosen.digest, path: p2, in: dir) else { continue }
                img.indexDigest = desc.digest
                img.extraBlobs.append(PendingBlob(expected: desc.digest, path: path, verified: true))
                image = img
            } else {
                guard let img = try pendingImage(manifest: data, digest: desc.digest, path: path, in: dir) else { continue }
                image = img
            }
            image.names = names
            // Several descriptors may name the same manifest (one per tag): merge them.
            if let i = out.firstIndex(where: { $0.manifestDigest == image.manifestDigest }) {
                out[i].names = Array(Set(out[i].names + names)).sorted()
            } else {
                out.append(image)
            }
        }
        return out
    }

    enum BlobKind { case index, manifest, other }

    /// Loads a small JSON blob named by a descriptor and checks its digest right away.
    private static func loadJSONBlob(_ d: OCIDescriptor, in dir: String) throws -> (BlobKind, Data, String) {
        let path = try blobPath(d.digest, in: dir)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ImageStoreError(.invalidArchive, "blob \(d.digest) listed but missing from the archive")
        }
        let actual = Digest.of(data)
        guard actual == d.digest else {
            throw ImageStoreError(.digestMismatch, "blob \(d.digest): digest mismatch (content hashes to \(actual))")
        }
        let probe = try? JSONDecoder().decode(ManifestProbe.self, from: data)
        let type = d.mediaType ?? probe?.mediaType
        if MediaType.isIndex(type) || (type == nil && probe?.manifests != nil) { return (.index, data, path) }
        if MediaType.isManifest(type) || (type == nil && probe?.config != nil) { return (.manifest, data, path) }
        if type == MediaType.dockerManifestV1 || type == MediaType.dockerManifestV1Signed {
            throw ImageStoreError(.unsupported, "manifest \(d.digest): Docker schema 1 manifests are not supported")
        }
        return (.other, data, path)
    }

    /// A manifest's config and layers as pending blobs; nil for manifests that are not container images
    /// (attestations, artifacts).
    static func pendingImage(manifest data: Data, digest: String, path: String, in dir: String?) throws -> PendingImage? {
        let m: OCIManifest
        do { m = try JSONDecoder().decode(OCIManifest.self, from: data) } catch {
            throw ImageStoreError(.invalidArchive, "manifest \(digest): \(error)")
        }
        let configType = m.config.mediaType ?? MediaType.ociConfig
        guard configType == MediaType.ociConfig || configType == MediaType.dockerConfig else { return nil }
        for l in m.layers {
            if let t = l.mediaType, t.contains("encrypted") {
                throw ImageStoreError(.unsupported, "layer \(l.digest): encrypted layers (\(t)) are not supported")
            }
        }
        func pending(_ d: OCIDescriptor) throws -> PendingBlob {
            guard Digest.isValid(d.digest) else {
                throw ImageStoreError(.invalidArchive, "manifest \(digest): unsupported digest \(d.digest)")
            }
            return PendingBlob(expected: d.digest, path: try dir.map { try blobPath(d.digest, in: $0) } ?? "",
                               mediaType: d.mediaType ?? MediaType.ociLayerTar)
        }
        return PendingImage(manifestDigest: digest, config: try pending(m.config), layers: try m.layers.map(pending),
                            extraBlobs: [PendingBlob(expected: digest, path: path, verified: true)])
    }

    private static func blobPath(_ digest: String, in dir: String) throws -> String {
        guard Digest.isValid(digest) else { throw ImageStoreError(.invalidArchive, "unsupported digest \(digest)") }
        return "\(dir)/blobs/sha256/\(Digest.hex(digest))"
    }

    /// The image name an OCI descriptor carries: containerd's full-name annotation, or ref.name when it is a full
    /// reference (the spec also allows a bare tag there, which names no repository).
    static func nameFromAnnotations(_ a: [String: String]?) throws -> String? {
        if let n = a?[Annotation.containerdName], let r = ImageReference.normalize(n) { return r }
        if let n = a?[Annotation.refName], n.contains("/") || n.contains(":") || n.contains("@") {
            return try ImageReference(parsing: n).description
        }
        return nil
    }

    // MARK: docker save

    private static func dockerImage(_ e: DockerSaveEntry, in dir: String) throws -> PendingImage {
        let configPath = try inside(dir, e.config)
        // Legacy archives name the config <image id>.json; Docker ≥ 25 uses blobs/sha256/<hex>. Either way the
        // name is the config's digest.
        let base = ((e.config as NSString).lastPathComponent as NSString).deletingPathExtension
        let expected = base.count == 64 ? Digest.prefix + base : nil
        let layers = try e.layers.map { l -> PendingBlob in
            let p = try inside(dir, l)
            let hex = (l as NSString).lastPathComponent
            let claimed = l.hasPrefix("blobs/sha256/") && hex.count == 64 ? Digest.prefix + hex : nil
            return PendingBlob(expected: claimed, path: p, mediaType: MediaType.dockerLayerTar)
        }
        return PendingImage(names: try normalizedNames(e.repoTags ?? []),
                            config: PendingBlob(expected: expected, path: configPath, mediaType: MediaType.dockerConfig),
                            layers: layers)
    }

    private static func inside(_ dir: String, _ rel: String) throws -> String {
        let parts = rel.split(separator: "/")
        guard !rel.hasPrefix("/"), !parts.contains("..") else {
            throw ImageStoreError(.invalidArchive, "manifest.json path \(rel) escapes the archive")
        }
        let p = dir + "/" + rel
        guard FileManager.default.fileExists(atPath: p) else {
            throw ImageStoreError(.invalidArchive, "manifest.json lists \(rel), missing from the archive")
        }
        return p
    }

    private static func normalizedNames(_ tags: [String]) throws -> [String] {
        Array(Set(try tags.map { try ImageReference(parsing: $0).description })).sorted()
    }

    static func decode<T: Decodable>(_ type: T.Type, file: String, what: String) throws -> T {
        guard let data = FileManager.default.contents(atPath: file) else {
            throw ImageStoreError(.invalidArchive, "\(what) missing")
        }
        do { return try JSONDecoder().decode(T.self, from: data) } catch {
            throw ImageStoreError(.invalidArchive, "\(what): \(error)")
        }
    }
}

/// Picks this machine's platform (linux/amd64 here) from an image index, skipping attestations.
enum PlatformChoice {
    static var hostArchitecture: String {
        #if arch(x86_64)
        return "amd64"
        #elseif arch(arm64)
        return "arm64"
        #else
        return "unknown"
        #endif
    }

    static func pick(from manifests: [OCIDescriptor], what: String) throws -> OCIDescriptor? {
        let candidates = manifests.filter {
            $0.annotations?[Annotation.dockerReferenceType] == nil && MediaType.isManifest($0.mediaType ?? MediaType.ociManifest)
        }
        if let exact = candidates.first(where: { $0.platform?.os == "linux" && $0.platform?.architecture == hostArchitecture }) {
            return exact
        }
        // An index without platform fields (single-image indexes written by some tools) means "this one".
        if candidates.count == 1, candidates[0].platform == nil { return candidates[0] }
        let offered = candidates.compactMap { $0.platform.map { "\($0.os)/\($0.architecture)" } }
        throw ImageStoreError(.notFound, "\(what): no manifest for linux/\(hostArchitecture) (offers \(offered.joined(separator: ", ")))")
    }
}
