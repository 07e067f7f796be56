import Foundation

/// What a container needs from its image's config (the `config` object of the OCI/Docker image config).
public struct ImageConfig: Codable, Sendable, Equatable {
    public var entrypoint: [String]
    public var cmd: [String]
    /// `KEY=value` strings, in the image's order.
    public var env: [String]
    /// "" when the image sets none (the runtime then uses "/").
    public var workingDir: String
    /// "" (root), `name`, `uid`, `uid:gid` or `name:group`, as the image says.
    public var user: String
    /// `80/tcp`, `53/udp`, sorted.
    public var exposedPorts: [String]
    public var volumes: [String]
    public var labels: [String: String]
    public var stopSignal: String?

    public init(entrypoint: [String] = [], cmd: [String] = [], env: [String] = [], workingDir: String = "",
                user: String = "", exposedPorts: [String] = [], volumes: [String] = [],
                labels: [String: String] = [:], stopSignal: String? = nil) {
        self.entrypoint = entrypoint
        self.cmd = cmd
        self.env = env
        self.workingDir = workingDir
        self.user = user
        self.exposedPorts = exposedPorts
        self.volumes = volumes
        self.labels = labels
        self.stopSignal = stopSignal
    }

    init(_ c: ImageConfigFile.Container?) {
        self.init(entrypoint: c?.entrypoint ?? [], cmd: c?.cmd ?? [], env: c?.env ?? [],
                  workingDir: c?.workingDir ?? "", user: c?.user ?? "",
                  exposedPorts: (c?.exposedPorts?.keys).map { $0.sorted() } ?? [],
                  volumes: (c?.volumes?.keys).map { $0.sorted() } ?? [],
                  labels: c?.labels ?? [:], stopSignal: c?.stopSignal)
    }
}

/// One layer of an image as stored: the blob as shipped and the directory it was unpacked to.
public struct LayerRecord: Codable, Sendable, Equatable {
    /// Digest of the blob as shipped (compressed or not); the content-store key.
    public var digest: String
    /// Digest of the uncompressed tar (config's rootfs.diff_ids); names the unpacked directory.
    public var diffID: String
    public var mediaType: String
    /// Bytes of the blob.
    public var size: Int64
    /// Bytes of the regular files in the layer once unpacked.
    public var unpackedSize: Int64
}

/// An image as persisted in the store's index.
public struct ImageRecord: Codable, Sendable, Equatable {
    /// The config digest (`sha256:…`), like Docker's image ID.
    public var id: String
    /// Normalised `repository:tag` names, sorted.
    public var names: [String]
    /// `repository@sha256:…` of the manifest (or index) it was pulled by, when known.
    public var digests: [String]
    /// The platform manifest's digest (nil for `docker save` archives, which have none).
    public var manifestDigest: String?
    /// The index (manifest list) it was picked from, when there was one.
    public var indexDigest: String?
    /// Lowest layer first.
    public var layers: [LayerRecord]
    public var config: ImageConfig
    public var architecture: String
    public var os: String
    /// The image config's `created`, as written there.
    public var created: String?
    /// When this store got it (RFC 3339, UTC).
    public var storedAt: String

    /// Unpacked bytes of all layers (what `docker images` shows as SIZE).
    public var size: Int64 { layers.reduce(0) { $0 + $1.unpackedSize } }

    /// Every blob this image keeps alive in the content store.
    var blobDigests: [String] {
        [id] + layers.map(\.digest) + [manifestDigest, indexDigest].compactMap { $0 }
    }
}

/// A stored image, ready to run: its config and its unpacked layer directories for overlayfs.
public struct Image: Sendable, Equatable {
    /// The config digest (`sha256:…`).
    public let id: String
    /// Normalised `repository:tag` names.
    public let names: [String]
    /// `repository@sha256:…` (what Kubernetes reports as a container's imageID).
    public let digests: [String]
    public let config: ImageConfig
    /// Absolute paths of the unpacked layers, lowest first (overlayfs wants them reversed in lowerdir=).
    public let layerDirs: [String]
    /// Unpacked bytes of all layers.
    public let size: Int64
    public let created: String?
    public let architecture: String
    public let os: String

    init(_ r: ImageRecord, layersDir: String) {
        id = r.id
        names = r.names
        digests = r.digests
        config = r.config
        layerDirs = r.layers.map { "\(layersDir)/\(Digest.hex($0.diffID))" }
        size = r.size
        created = r.created
        architecture = r.architecture
        os = r.os
    }
}

/// What `remove` did, in Docker's terms.
public struct RemoveResult: Sendable, Equatable {
    /// Names taken off the image (`Untagged: …`).
    public var untagged: [String]
    /// The image ID if the image itself went (`Deleted: sha256:…`).
    public var deleted: String?
    /// Blobs and layer directories garbage-collected as a result.
    public var removedBlobs: Int
    public var removedLayers: Int
}
