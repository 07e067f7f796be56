import ClusterPKI
import Foundation
import KubeAPI
import NIOCore
import NIOSSL

/// Who made a request, as Kubernetes' authenticators report it: a user name, a uid (service accounts) and groups,
/// always including `system:authenticated`.
struct RequestUser: Equatable, Sendable {
    let name: String
    var uid: String = ""
    let groups: [String]

    var isClusterAdmin: Bool { groups.contains("system:masters") }
    var isServiceAccount: Bool { groups.contains("system:serviceaccounts") }
}

/// The two ways in: a client certificate signed by the cluster CA (the TLS handshake has verified it), or a
/// service-account token as `Authorization: Bearer`. The certificate is tried first, as kube-apiserver's union
/// authenticator does; a request with neither (or a bad token) is anonymous, which this server refuses with 401.
struct Authenticator: Sendable {
    let registry: Registry

    func authenticate(channel: any Channel, authorization: String?) async -> RequestUser? {
        if let cert = try? await channel.nioSSL_peerCertificate().get(),
           let identity = try? certificateIdentity(derEncoded: cert.toDERBytes()) {
            return RequestUser(name: identity.user, groups: identity.groups + ["system:authenticated"])
        }
        guard let authorization, let token = Self.bearerToken(authorization) else { return nil }
        return try? registry.authenticateServiceAccountToken(token)
    }

    /// `Bearer <token>`; the scheme is case-insensitive (RFC 6750 §2.1).
    static func bearerToken(_ header: String) -> String? {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
