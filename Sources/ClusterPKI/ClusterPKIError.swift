/// Everything that can go wrong while loading, creating or issuing certificates. Each case names the operation and
/// the file or value involved, so a failed start tells the operator exactly which file to look at.
public enum ClusterPKIError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A file could not be read, written, renamed or have its mode changed; `errno` text included.
    case fileOperationFailed(operation: String, path: String, reason: String)
    /// A PEM file exists but does not hold what it should (for example a truncated certificate).
    case unreadablePEM(path: String, reason: String)
    /// The CA certificate exists but its private key does not: we must not invent a new key for an existing CA,
    /// because every issued credential would silently stop working.
    case caKeyMissing(certificatePath: String, keyPath: String)
    /// `ca.key` does not belong to `ca.crt`.
    case caKeyMismatch(certificatePath: String, keyPath: String)
    /// A value given as a server IP is not an IPv4 or IPv6 address.
    case invalidIPAddress(String)
    /// A client certificate was requested with a non-positive validity.
    case invalidValidity(days: Int)
    /// A certificate handed to `certificateIdentity` could not be parsed.
    case invalidCertificate(reason: String)
    /// A client certificate has no (or an empty) subject common name, so it names no user.
    case missingCommonName
    /// Building or signing a certificate failed inside swift-certificates.
    case issuanceFailed(what: String, reason: String)

    public var description: String {
        switch self {
        case let .fileOperationFailed(operation, path, reason):
            return "cluster PKI: \(operation) \(path): \(reason)"
        case let .unreadablePEM(path, reason):
            return "cluster PKI: cannot parse \(path): \(reason)"
        case let .caKeyMissing(certificatePath, keyPath):
            return "cluster PKI: CA certificate \(certificatePath) exists but its key \(keyPath) is missing; "
                + "restore the key or remove the whole pki directory to start a new cluster CA"
        case let .caKeyMismatch(certificatePath, keyPath):
            return "cluster PKI: CA key \(keyPath) does not match CA certificate \(certificatePath)"
        case let .invalidIPAddress(value):
            return "cluster PKI: \"\(value)\" is not a valid IPv4 or IPv6 address"
        case let .invalidValidity(days):
            return "cluster PKI: certificate validity must be at least one day, got \(days)"
        case let .invalidCertificate(reason):
            return "cluster PKI: cannot parse client certificate: \(reason)"
        case .missingCommonName:
            return "cluster PKI: client certificate has no subject common name (user name)"
        case let .issuanceFailed(what, reason):
            return "cluster PKI: issuing \(what) failed: \(reason)"
        }
    }
}
