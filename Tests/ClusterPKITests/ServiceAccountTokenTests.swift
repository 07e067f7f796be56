import Crypto
import Foundation
import XCTest
@testable import ClusterPKI

final class ServiceAccountTokenTests: XCTestCase {
    let audience = ServiceAccountTokenSigner.defaultIssuer
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func claims(expiresIn seconds: TimeInterval = 3600, audiences: [String]? = nil) -> ServiceAccountTokenClaims {
        ServiceAccountTokenClaims(
            issuer: ServiceAccountTokenSigner.defaultIssuer, audiences: audiences ?? [audience], issuedAt: now,
            expiry: now.addingTimeInterval(seconds), namespace: "default",
            serviceAccount: .init(name: "default", uid: "sa-uid"), pod: .init(name: "web-0", uid: "pod-uid"),
            node: .init(name: "node1", uid: "node-uid"), tokenID: "jti-1")
    }

    func testRoundTripKeepsEveryClaim() throws {
        let signer = ServiceAccountTokenSigner(key: P256.Signing.PrivateKey())
        let token = try signer.sign(claims())
        let back = try signer.verify(token, acceptedAudiences: [audience], now: now.addingTimeInterval(10))
        XCTAssertEqual(back, claims())
        XCTAssertEqual(back.subject, "system:serviceaccount:default:default")
    }

    func testHeaderAndPayloadHaveKubernetesLayout() throws {
        let signer = ServiceAccountTokenSigner(key: P256.Signing.PrivateKey())
        let parts = try signer.sign(claims()).split(separator: ".")
        XCTAssertEqual(parts.count, 3)
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(Base64URL.decode(parts[0])!)) as? [String: String])
        XCTAssertEqual(header, ["alg": "ES256", "kid": signer.keyID])
        let payload = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(Base64URL.decode(parts[1])!)) as? [String: Any])
        XCTAssertEqual(payload["sub"] as? String, "system:serviceaccount:default:default")
        XCTAssertEqual(payload["aud"] as? [String], [audience])
        XCTAssertEqual(payload["exp"] as? Int, 1_800_003_600)
        let kube = try XCTUnwrap(payload["kubernetes.io"] as? [String: Any])
        XCTAssertEqual((kube["pod"] as? [String: String])?["uid"], "pod-uid")
        XCTAssertEqual((kube["serviceaccount"] as? [String: String])?["name"], "default")
        // kid = base64url(SHA-256(SubjectPublicKeyInfo DER)), no padding.
        let der = signer.key.publicKey.derRepresentation
        XCTAssertEqual(signer.keyID, Data(SHA256.hash(data: der)).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: ""))
    }

    func testTamperedOrForeignTokensAreRejected() throws {
        let signer = ServiceAccountTokenSigner(key: P256.Signing.PrivateKey())
        let other = ServiceAccountTokenSigner(key: P256.Signing.PrivateKey())
        let token = try signer.sign(claims())
        let parts = token.split(separator: ".").map(String.init)
        // Same signature, payload naming another service account.
        var forged = claims()
        forged.serviceAccount = .init(name: "admin", uid: "sa-uid")
        let forgedPayload = try other.sign(forged).split(separator: ".")[1]
        XCTAssertThrowsError(try signer.verify(parts[0] + "." + forgedPayload + "." + parts[2], acceptedAudiences: [audience], now: now)) {
            XCTAssertEqual($0 as? ServiceAccountTokenError, .badSignature)
        }
        XCTAssertThrowsError(try signer.verify(try other.sign(claims()), acceptedAudiences: [audience], now: now)) {
            XCTAssertEqual($0 as? ServiceAccountTokenError, .badSignature)
        }
        XCTAssertThrowsError(try signer.verify("a.b", acceptedAudiences: [audience], now: now))
        XCTAssertThrowsError(try signer.verify("not.base64!.x", acceptedAudiences: [audience], now: now))
    }

    func testExpiryAudienceAndIssuerAreEnforced() throws {
        let signer = ServiceAccountTokenSigner(key: P256.Signing.PrivateKey())
        let token = try signer.sign(claims(expiresIn: 600))
        XCTAssertNoThrow(try signer.verify(token, acceptedAudiences: [audience], now: now.addingTimeInterval(599)))
        XCTAssertThrowsError(try signer.verify(token, acceptedAudiences: [audience], now: now.addingTimeInterval(600))) {
            guard case .expired = $0 as? ServiceAccountTokenError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try signer.verify(token, acceptedAudiences: ["vault"], now: now)) {
            XCTAssertEqual($0 as? ServiceAccountTokenError, .wrongAudience([self.audience]))
        }
        XCTAssertThrowsError(try signer.verify(token, acceptedAudiences: [audience], now: now.addingTimeInterval(-3600))) {
            guard case .notYetValid = $0 as? ServiceAccountTokenError else { return XCTFail("\($0)") }
        }
        let foreignIssuer = ServiceAccountTokenSigner(key: signer.key, issuer: "https://elsewhere")
        XCTAssertThrowsError(try signer.verify(try foreignIssuer.sign(claims()), acceptedAudiences: [audience], now: now)) {
            XCTAssertEqual($0 as? ServiceAccountTokenError, .wrongIssuer("https://elsewhere"))
        }
    }

    func testKeyIsCreatedOnceWithMode0600AndReloaded() throws {
        let dir = try ClusterPKITemporaryDirectory()
        let first = try ServiceAccountTokenSigner.loadOrCreate(directory: dir.path)
        XCTAssertEqual(try ClusterPKITestTools.mode(dir.file("pki/sa.key")), 0o600)
        let second = try ServiceAccountTokenSigner.loadOrCreate(directory: dir.path)
        XCTAssertEqual(first.keyID, second.keyID)
        XCTAssertNoThrow(try second.verify(try first.sign(claims()), acceptedAudiences: [audience], now: now))
        try "garbage".write(toFile: dir.file("pki/sa.key"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ServiceAccountTokenSigner.loadOrCreate(directory: dir.path)) {
            guard case .unreadablePEM = $0 as? ClusterPKIError else { return XCTFail("\($0)") }
        }
    }

    /// The JWKS coordinates rebuild the signing key's public half, and OpenSSL accepts the JWS signature (after
    /// re-encoding r||s as DER) over the JWS signing input: what any JOSE library does.
    func testJWKSAndOpenSSLAgreeWithTheSignature() throws {
        let signer = ServiceAccountTokenSigner(key: P256.Signing.PrivateKey())
        let token = try signer.sign(claims())
        let jwk = try XCTUnwrap((signer.jwks["keys"] as? [[String: String]])?.first)
        XCTAssertEqual(jwk["kid"], signer.keyID)
        let point = [0x04] + Base64URL.decode(jwk["x"]!)! + Base64URL.decode(jwk["y"]!)!
        let rebuilt = try P256.Signing.PublicKey(x963Representation: point)
        XCTAssertEqual(rebuilt.derRepresentation, signer.key.publicKey.derRepresentation)

        let openssl = try XCTUnwrap(ClusterPKITestTools.executable("openssl"), "openssl is required")
        let dir = try ClusterPKITemporaryDirectory()
        let parts = token.split(separator: ".")
        let der = try P256.Signing.ECDSASignature(rawRepresentation: Base64URL.decode(parts[2])!).derRepresentation
        try rebuilt.pemRepresentation.write(toFile: dir.file("pub.pem"), atomically: true, encoding: .utf8)
        try Data((parts[0] + "." + parts[1]).utf8).write(to: URL(fileURLWithPath: dir.file("input")))
        try der.write(to: URL(fileURLWithPath: dir.file("sig.der")))
        let ok = try ClusterPKITestTools.run(openssl, ["dgst", "-sha256", "-verify", dir.file("pub.pem"),
                                                       "-signature", dir.file("sig.der"), dir.file("input")])
        XCTAssertEqual(ok.status, 0, ok.output)
        try Data("tampered".utf8).write(to: URL(fileURLWithPath: dir.file("input")))
        let bad = try ClusterPKITestTools.run(openssl, ["dgst", "-sha256", "-verify", dir.file("pub.pem"),
                                                        "-signature", dir.file("sig.der"), dir.file("input")])
        XCTAssertNotEqual(bad.status, 0)
    }
}
