import ClusterPKI
import Foundation
import KubeAPI

/// The OpenID Connect discovery documents kube-apiserver serves for its service-account issuer, so that other
/// systems can verify the cluster's tokens: `/.well-known/openid-configuration` and the key set at `/openid/v1/jwks`.
enum ServiceAccountIssuerDiscovery {
    static func configuration(issuer: String, serverAddress: String) -> JSON {
        ["issuer": .string(issuer),
         "jwks_uri": .string("https://\(serverAddress)/openid/v1/jwks"),
         "response_types_supported": ["id_token"],
         "subject_types_supported": ["public"],
         "id_token_signing_alg_values_supported": ["ES256"]]
    }

    static func keySet(_ signer: ServiceAccountTokenSigner) -> [UInt8] {
        Array((try? JSONSerialization.data(withJSONObject: signer.jwks, options: [.sortedKeys])) ?? Data("{}".utf8))
    }
}
