import Foundation

/// Media types of the OCI image spec and of Docker's v2 schema 2, which registries and archives still serve.
enum MediaType {
    static let ociIndex = "application/vnd.oci.image.index.v1+json"
    static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    static let ociConfig = "application/vnd.oci.image.config.v1+json"
    static let ociLayerTar = "application/vnd.oci.image.layer.v1.tar"
    static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    static let dockerList = "application/vnd.docker.distribution.manifest.list.v2+json"
    static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    static let dockerManifestV1 = "application/vnd.docker.distribution.manifest.v1+json"
    static let dockerManifestV1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws"
    static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    static let dockerLayerTar = "application/vnd.docker.image.rootfs.diff.tar"
    static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"

    static func isIndex(_ t: String?) -> Bool { t == ociIndex || t == dockerList }
    static func isManifest(_ t: String?) -> Bool { t == ociManifest || t == dockerManifest }
}

/// Annotations that carry an image's name in OCI layouts.
enum Annotation {
    static let refName = "org.opencontainers.image.ref.name"
    static let containerdName = "io.containerd.image.name"
    static let dockerReferenceType = "vnd.docker.reference.type"
}

struct OCIPlatform: Codable, Equatable {
    var architecture: String
    var os: String
    var variant: String?
}

struct OCIDescriptor: Codable {
    var mediaType: String?
    var digest: String
    var size: Int64
    var annotations: [String: String]?
    var platform: OCIPlatform?
    var urls: [String]?
}

/// An OCI image index or a Docker manifest list (same shape).
struct OCIIndex: Codable {
    var schemaVersion: Int?
    var mediaType: String?
    var manifests: [OCIDescriptor]
}

/// An OCI image manifest or a Docker v2 schema 2 manifest (same shape).
struct OCIManifest: Codable {
    var schemaVersion: Int?
    var mediaType: String?
    var config: OCIDescriptor
    var layers: [OCIDescriptor]
}

/// Peeks at `mediaType`/`schemaVersion`/`manifests` to tell an index from a manifest when the
/// transport (a file in an archive, or a registry's Content-Type) does not say.
struct ManifestProbe: Decodable {
    var schemaVersion: Int?
    var mediaType: String?
    var manifests: [OCIDescriptor]?
    var config: OCIDescriptor?
}

/// One entry of a `docker save` archive's manifest.json.
struct DockerSaveEntry: Codable {
    var config: String
    var repoTags: [String]?
    var layers: [String]

    enum CodingKeys: String, CodingKey {
        case config = "Config"
        case repoTags = "RepoTags"
        case layers = "Layers"
    }
}

/// The parts of an image config (OCI or Docker, same JSON) that running containers need.
struct ImageConfigFile: Decodable {
    struct RootFS: Decodable {
        var type: String?
        var diffIDs: [String]
        enum CodingKeys: String, CodingKey {
            case type
            case diffIDs = "diff_ids"
        }
    }

    struct Container: Decodable {
        var user: String?
        var env: [String]?
        var entrypoint: [String]?
        var cmd: [String]?
        var workingDir: String?
        var exposedPorts: [String: EmptyObject]?
        var labels: [String: String]?
        var stopSignal: String?
        var volumes: [String: EmptyObject]?

        enum CodingKeys: String, CodingKey {
            case user = "User", env = "Env", entrypoint = "Entrypoint", cmd = "Cmd", workingDir = "WorkingDir"
            case exposedPorts = "ExposedPorts", labels = "Labels", stopSignal = "StopSignal", volumes = "Volumes"
        }
    }

    var architecture: String?
    var os: String?
    var created: String?
    var config: Container?
    var rootfs: RootFS
}

/// `{}` values of ExposedPorts/Volumes: only the keys matter.
struct EmptyObject: Codable {}
