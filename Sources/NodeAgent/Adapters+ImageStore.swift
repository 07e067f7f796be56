import Foundation
import ImageStore

/// Images from the node's content store; pulls go to the image's registry.
public struct StoreImages: ImageProvider {
    let store: ImageStore

    public init(dataDir: String) throws { store = try ImageStore(dataDir: dataDir) }

    public init(store: ImageStore) { self.store = store }

    static func resolved(_ image: Image, reference: String) -> ResolvedImage {
        ResolvedImage(reference: reference, id: image.id, layerDirs: image.layerDirs, entrypoint: image.config.entrypoint,
                      cmd: image.config.cmd, env: image.config.env, workingDir: image.config.workingDir, user: image.config.user)
    }

    public func local(_ reference: String) -> ResolvedImage? {
        store.resolve(reference).map { Self.resolved($0, reference: reference) }
    }

    public func pull(_ reference: String) async throws -> ResolvedImage {
        _ = try await store.pull(reference)
        guard let image = store.resolve(reference) else {
            throw ImageResolutionError(description: "image \(reference) was pulled but cannot be resolved")
        }
        return Self.resolved(image, reference: reference)
    }
}

struct ImageResolutionError: Error, CustomStringConvertible {
    let description: String
}
