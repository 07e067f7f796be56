import Foundation
import KubeAPI

/// The kubelet's token manager: fetches the token of every `serviceAccountToken` projected source of a pod, keeps
/// it, and fetches a new one once 80% of its lifetime has passed (or it is older than a day), so that the file in
/// the pod always holds a valid token and the API is asked only when needed.
actor ServiceAccountTokens {
    struct Key: Hashable {
        let podUID: String
        let serviceAccount: String
        let audiences: [String]
        let expirationSeconds: Int64
    }

    let issuer: (any ServiceAccountTokenIssuer)?
    let now: @Sendable () -> Date
    private var cache: [Key: IssuedToken] = [:]

    init(issuer: (any ServiceAccountTokenIssuer)?, now: @escaping @Sendable () -> Date = { Date() }) {
        self.issuer = issuer
        self.now = now
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Tokens for the pod's projected volumes, keyed `<volume>/<path>` as VolumePayload expects.
    func tokens(for pod: JSON) async throws -> [String: String] {
        var out: [String: String] = [:]
        for volume in pod["spec"]["volumes"].elements {
            for source in volume["projected"]["sources"].elements where !source["serviceAccountToken"].isNull {
                let s = source["serviceAccountToken"]
                let path = s["path"].string ?? "token"
                let volumeName = volume["name"].string ?? ""
                let audience = s["audience"].string.map { [$0] } ?? []
                let key = Key(podUID: pod.uid ?? "", serviceAccount: pod["spec"]["serviceAccountName"].string ?? "default",
                              audiences: audience, expirationSeconds: s["expirationSeconds"].int ?? 3600)
                do {
                    out["\(volumeName)/\(path)"] = try await token(key, pod: pod).token
                } catch {
                    throw Failure(description: "MountVolume.SetUp failed for volume \"\(volumeName)\" : failed to fetch token: \(error)")
                }
            }
        }
        return out
    }

    func token(_ key: Key, pod: JSON) async throws -> IssuedToken {
        if let cached = cache[key], !needsRefresh(cached) { return cached }
        guard let issuer else { throw Failure(description: "this node has no TokenRequest API to ask") }
        let fresh = try await issuer.requestToken(namespace: pod.namespace ?? "default", serviceAccount: key.serviceAccount,
                                                  audiences: key.audiences, expirationSeconds: key.expirationSeconds,
                                                  podName: pod.name ?? "", podUID: key.podUID)
        cache[key] = fresh
        return fresh
    }

    func needsRefresh(_ t: IssuedToken) -> Bool {
        let lifetime = t.expiry.timeIntervalSince(t.issuedAt)
        let age = now().timeIntervalSince(t.issuedAt)
        return age > 0.8 * lifetime || age > 24 * 3600
    }

    /// Drops a pod's tokens once it is gone.
    func forget(podUID: String) {
        cache = cache.filter { $0.key.podUID != podUID }
    }
}
