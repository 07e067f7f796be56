import Foundation

/// Every failure of the image store. `message` names the operation and the object (image, blob, path),
/// so it can be shown as-is to a user (`swiftlet image …`) or put in a Pod's ErrImagePull message.
public struct ImageStoreError: Error, CustomStringConvertible, LocalizedError, Sendable, Equatable {
    public enum Kind: String, Sendable {
        /// The reference does not parse (Docker's "invalid reference format").
        case invalidReference
        /// No such image locally, or the registry has no such manifest/repository.
        case notFound
        /// The registry refused us (401/403 after the token dance).
        case unauthorized
        /// The archive is not an OCI layout nor a `docker save` archive, or is malformed.
        case invalidArchive
        /// A blob or a layer's uncompressed content does not hash to what the manifest/config says.
        case digestMismatch
        /// Something we deliberately do not handle (schema1 manifests, encrypted layers, …).
        case unsupported
        /// The image's layers are mounted by a container.
        case inUse
        /// Transport failure talking to a registry.
        case network
        /// The registry answered with an error we do not map more precisely.
        case registry
        /// A local file-system operation failed.
        case io
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
    public var errorDescription: String? { message }

    /// Prefixes the message with the operation it happened in, keeping the kind
    /// (e.g. `pull docker.io/library/nginx:latest: ` + `manifest unknown (404)`).
    func prefixed(_ context: String) -> ImageStoreError {
        ImageStoreError(kind, "\(context): \(message)")
    }

    /// A failed system call: names the call, the path and the errno text.
    static func sys(_ call: String, _ path: String, _ err: Int32 = errno) -> ImageStoreError {
        ImageStoreError(.io, "\(call) \(path): \(String(cString: strerror(err))) (errno \(err))")
    }
}

/// Runs `body`; any error gets `context` in front of its message (non-store errors become `.io`).
func withContext<T>(_ context: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let e as ImageStoreError {
        throw e.prefixed(context)
    } catch {
        throw ImageStoreError(.io, "\(context): \(error)")
    }
}
