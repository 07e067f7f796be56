import Crypto
import Foundation

/// What a service-account token says, in the claim layout Kubernetes' bound tokens use (so tools that read them,
/// and users who paste one into a JWT decoder, see the familiar `kubernetes.io` claim).
public struct ServiceAccountTokenClaims: Sendable, Equatable {
    public struct ObjectRef: Sendable, Equatable {
        public let name: String
        public let uid: String
        public init(name: String, uid: String) {
            self.name = name
            self.uid = uid
        }
    }

    public var issuer: String
    public var audiences: [String]
    public var issuedAt: Date
    public var expiry: Date
    public var namespace: String
    public var serviceAccount: ObjectRef
    /// The pod the token is bound to: the token dies with it.
    public var pod: ObjectRef?
    /// The node the bound pod runs on (informational, as in Kubernetes 1.30+).
    public var node: ObjectRef?
    public var tokenID: String

    public init(issuer: String, audiences: [String], issuedAt: Date, expiry: Date, namespace: String,
                serviceAccount: ObjectRef, pod: ObjectRef? = nil, node: ObjectRef? = nil, tokenID: String = UUID().uuidString.lowercased()) {
        self.issuer = issuer
        self.audiences = audiences
        self.issuedAt = issuedAt
        self.expiry = expiry
        self.namespace = namespace
        self.serviceAccount = serviceAccount
        self.pod = pod
        self.node = node
        self.tokenID = tokenID
    }

    /// `system:serviceaccount:<namespace>:<name>`, the user name the token authenticates as.
    public var subject: String { "system:serviceaccount:\(namespace):\(serviceAccount.name)" }
}

public enum ServiceAccountTokenError: Error, CustomStringConvertible, Equatable {
    case malformed(String)
    case badSignature
    case wrongIssuer(String)
    case wrongAudience([String])
    case expired(Date)
    case notYetValid(Date)

    public var description: String {
        switch self {
        case .malformed(let why): return "service account token: malformed: \(why)"
        case .badSignature: return "service account token: invalid signature"
        case .wrongIssuer(let iss): return "service account token: issuer \(iss) is not this cluster's"
        case .wrongAudience(let aud): return "service account token: audiences \(aud) are not accepted by this server"
        case .expired(let at): return "service account token: expired at \(at)"
        case .notYetValid(let at): return "service account token: not valid before \(at)"
        }
    }
}

/// Signs and verifies service-account tokens: compact JWS with ES256 over a P-256 key kept in `pki/sa.key`.
/// The key id is the base64url SHA-256 of the public key's DER, the way Kubernetes derives `kid`, so the JWKS the
/// server publishes lets any OIDC library check a token.
public struct ServiceAccountTokenSigner: Sendable {
    let key: P256.Signing.PrivateKey
    public let keyID: String
    public let issuer: String

    public static let defaultIssuer = "https://kubernetes.default.svc.cluster.local"
    static let keyFile = "sa.key"

    public init(key: P256.Signing.PrivateKey, issuer: String = ServiceAccountTokenSigner.defaultIssuer) {
        self.key = key
        self.issuer = issuer
        keyID = Base64URL.encode(Array(SHA256.hash(data: key.publicKey.derRepresentation)))
    }

    /// Loads `<dataDir>/pki/sa.key`, creating it (mode 0600) on first start. Tokens stay valid across restarts
    /// because the key does.
    public static func loadOrCreate(directory: String, issuer: String = defaultIssuer) throws -> ServiceAccountTokenSigner {
        let pki = (directory as NSString).appendingPathComponent("pki")
        try PKIFiles.ensureDirectory(pki, mode: 0o700)
        let path = (pki as NSString).appendingPathComponent(keyFile)
        if let text = try PKIFiles.readIfPresent(path) {
            do {
                return ServiceAccountTokenSigner(key: try P256.Signing.PrivateKey(pemRepresentation: text), issuer: issuer)
            } catch {
                throw ClusterPKIError.unreadablePEM(path: path, reason: "\(error)")
            }
        }
        let key = P256.Signing.PrivateKey()
        try PKIFiles.writeAtomically(path, contents: key.pemRepresentation, mode: 0o600)
        return ServiceAccountTokenSigner(key: key, issuer: issuer)
    }

    /// Signs the claims as this signer's issuer (the claims' own `issuer` is ignored: only what was read back has one).
    public func sign(_ claims: ServiceAccountTokenClaims) throws -> String {
        var claims = claims
        claims.issuer = issuer
        // JSONEncoder, not JSONSerialization: the latter sorts keys with a locale-aware comparison that loads ICU
        // (megabytes of resident pages) on the first token (Docs/benchmarks.md, P3).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let header = try encoder.encode(["alg": "ES256", "kid": keyID])
        let payload = try encoder.encode(Payload(claims))
        let signingInput = Base64URL.encode(Array(header)) + "." + Base64URL.encode(Array(payload))
        let signature = try key.signature(for: Data(signingInput.utf8))
        return signingInput + "." + Base64URL.encode(Array(signature.rawRepresentation))
    }

    /// Checks signature, issuer, audience and time; what the token is bound to (service account, pod) is the
    /// caller's to check against the store.
    public func verify(_ token: String, acceptedAudiences: [String], now: Date = Date()) throws -> ServiceAccountTokenClaims {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw ServiceAccountTokenError.malformed("expected 3 dot-separated parts") }
        guard let headerBytes = Base64URL.decode(parts[0]), let payloadBytes = Base64URL.decode(parts[1]),
              let signatureBytes = Base64URL.decode(parts[2]) else {
            throw ServiceAccountTokenError.malformed("not base64url")
        }
        guard let header = try? JSONSerialization.jsonObject(with: Data(headerBytes)) as? [String: Any],
              header["alg"] as? String == "ES256" else {
            throw ServiceAccountTokenError.malformed("header is not an ES256 JWS header")
        }
        if let kid = header["kid"] as? String, kid != keyID { throw ServiceAccountTokenError.badSignature }
        guard let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signatureBytes),
              key.publicKey.isValidSignature(signature, for: Data((parts[0] + "." + parts[1]).utf8)) else {
            throw ServiceAccountTokenError.badSignature
        }
        guard let object = try? JSONSerialization.jsonObject(with: Data(payloadBytes)) as? [String: Any] else {
            throw ServiceAccountTokenError.malformed("payload is not a JSON object")
        }
        let claims = try Self.claims(object)
        guard claims.issuer == issuer else { throw ServiceAccountTokenError.wrongIssuer(claims.issuer) }
        guard claims.audiences.contains(where: acceptedAudiences.contains) else {
            throw ServiceAccountTokenError.wrongAudience(claims.audiences)
        }
        guard now < claims.expiry else { throw ServiceAccountTokenError.expired(claims.expiry) }
        // Clocks of the issuer and the checker are the same here; a minute of slack covers a token used at once.
        guard claims.issuedAt <= now.addingTimeInterval(60) else { throw ServiceAccountTokenError.notYetValid(claims.issuedAt) }
        return claims
    }

    /// The public key as a JSON Web Key Set (RFC 7517), for `/openid/v1/jwks`.
    public var jwks: [String: Any] {
        // x963 is 0x04 || X || Y, 32 bytes each for P-256.
        let point = Array(key.publicKey.x963Representation)
        return ["keys": [[
            "use": "sig", "kty": "EC", "kid": keyID, "crv": "P-256", "alg": "ES256",
            "x": Base64URL.encode(Array(point[1..<33])), "y": Base64URL.encode(Array(point[33..<65])),
        ]]]
    }

    /// The JWT claims as Kubernetes writes them (whole seconds; pod and node only when bound to one).
    struct Payload: Encodable {
        struct Ref: Encodable {
            let name: String, uid: String
            init(_ r: ServiceAccountTokenClaims.ObjectRef) { name = r.name; uid = r.uid }
        }
        struct Kubernetes: Encodable {
            let namespace: String
            let serviceaccount: Ref
            let pod: Ref?, node: Ref?
        }
        let iss: String, sub: String, aud: [String], iat: Int, nbf: Int, exp: Int, jti: String
        let kubernetes: Kubernetes

        enum CodingKeys: String, CodingKey {
            case iss, sub, aud, iat, nbf, exp, jti
            case kubernetes = "kubernetes.io"
        }

        init(_ c: ServiceAccountTokenClaims) {
            iss = c.issuer
            sub = c.subject
            aud = c.audiences
            iat = Int(c.issuedAt.timeIntervalSince1970)
            nbf = iat
            exp = Int(c.expiry.timeIntervalSince1970)
            jti = c.tokenID
            kubernetes = Kubernetes(namespace: c.namespace, serviceaccount: Ref(c.serviceAccount),
                                    pod: c.pod.map(Ref.init), node: c.node.map(Ref.init))
        }
    }

    static func claims(_ o: [String: Any]) throws -> ServiceAccountTokenClaims {
        func ref(_ any: Any?) -> ServiceAccountTokenClaims.ObjectRef? {
            guard let d = any as? [String: Any], let name = d["name"] as? String, let uid = d["uid"] as? String else { return nil }
            return .init(name: name, uid: uid)
        }
        // A single audience may be a bare string (RFC 7519 §4.1.3).
        let audiences = (o["aud"] as? [String]) ?? (o["aud"] as? String).map { [$0] } ?? []
        guard let iss = o["iss"] as? String, let iat = (o["iat"] as? NSNumber)?.doubleValue,
              let exp = (o["exp"] as? NSNumber)?.doubleValue, let kube = o["kubernetes.io"] as? [String: Any],
              let namespace = kube["namespace"] as? String, let sa = ref(kube["serviceaccount"]) else {
            throw ServiceAccountTokenError.malformed("missing iss, iat, exp or kubernetes.io claims")
        }
        guard o["sub"] as? String == "system:serviceaccount:\(namespace):\(sa.name)" else {
            throw ServiceAccountTokenError.malformed("sub does not name the service account")
        }
        return ServiceAccountTokenClaims(issuer: iss, audiences: audiences, issuedAt: Date(timeIntervalSince1970: iat),
                                         expiry: Date(timeIntervalSince1970: exp), namespace: namespace, serviceAccount: sa,
                                         pod: ref(kube["pod"]), node: ref(kube["node"]), tokenID: o["jti"] as? String ?? "")
    }
}

/// RFC 4648 §5 without padding, as JOSE requires.
enum Base64URL {
    static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode<S: StringProtocol>(_ text: S) -> [UInt8]? {
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while s.count % 4 != 0 { s += "=" }
        return Data(base64Encoded: s).map(Array.init)
    }
}
