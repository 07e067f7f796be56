import Foundation
import KubeAPI
import Synchronization
import XCTest
@testable import NodeAgent

/// A TokenRequest API that counts its calls and issues tokens numbered by call.
final class CountingIssuer: ServiceAccountTokenIssuer {
    let calls = Mutex<[String]>([])
    let clock: @Sendable () -> Date

    init(clock: @escaping @Sendable () -> Date) { self.clock = clock }

    func requestToken(namespace: String, serviceAccount: String, audiences: [String], expirationSeconds: Int64,
                      podName: String, podUID: String) async throws -> IssuedToken {
        let n = calls.withLock { $0.append("\(namespace)/\(serviceAccount) \(audiences) \(expirationSeconds) \(podName)/\(podUID)"); return $0.count }
        let now = clock()
        return IssuedToken(token: "token-\(n)", issuedAt: now, expiry: now.addingTimeInterval(Double(expirationSeconds)))
    }
}

final class ServiceAccountTokensTests: XCTestCase {
    let pod: JSON = [
        "metadata": ["name": "web", "namespace": "shop", "uid": "u1"],
        "spec": ["serviceAccountName": "robot", "volumes": [
            ["name": "kube-api-access-abcde", "projected": ["sources": [
                ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
                ["configMap": ["name": "kube-root-ca.crt"]],
            ]]],
            ["name": "vault", "projected": ["sources": [["serviceAccountToken": ["audience": "vault", "expirationSeconds": 600, "path": "v"]]]]],
        ]],
    ]

    func testTokensAreFetchedOnceAndRefreshedAtEightyPercent() async throws {
        let now = Mutex(Date(timeIntervalSince1970: 1_000_000))
        let clock: @Sendable () -> Date = { now.withLock { $0 } }
        let issuer = CountingIssuer(clock: clock)
        let tokens = ServiceAccountTokens(issuer: issuer, now: clock)

        let first = try await tokens.tokens(for: pod)
        XCTAssertEqual(first, ["kube-api-access-abcde/token": "token-1", "vault/v": "token-2"])
        XCTAssertEqual(issuer.calls.withLock { $0 }, ["shop/robot [] 3607 web/u1", "shop/robot [\"vault\"] 600 web/u1"])

        now.withLock { $0 += 479 }  // under 80% of both lifetimes
        let again = try await tokens.tokens(for: pod)
        XCTAssertEqual(again, first)
        XCTAssertEqual(issuer.calls.withLock { $0.count }, 2)

        now.withLock { $0 += 2 }  // 481 s: past 80% of 600, not of 3607
        let refreshed = try await tokens.tokens(for: pod)
        XCTAssertEqual(refreshed, ["kube-api-access-abcde/token": "token-1", "vault/v": "token-3"])

        await tokens.forget(podUID: "u1")
        let afterForget = try await tokens.tokens(for: pod)
        XCTAssertEqual(afterForget["kube-api-access-abcde/token"], "token-4")
    }

    func testWithoutAnIssuerTheMountFailsWithTheVolumeName() async {
        let tokens = ServiceAccountTokens(issuer: nil)
        do {
            _ = try await tokens.tokens(for: pod)
            XCTFail("expected a failure")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("MountVolume.SetUp failed for volume \"kube-api-access-abcde\" : failed to fetch token:"), "\(error)")
        }
    }

    func testProjectedVolumeCarriesTokenCAAndNamespace() throws {
        let volume: JSON = ["name": "kube-api-access-abcde", "projected": ["defaultMode": 420, "sources": [
            ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
            ["configMap": ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]]],
            ["downwardAPI": ["items": [["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]]]]],
        ]]]
        let lookup: VolumePayload.Lookup = { resource, name in
            resource == "configmaps" && name == "kube-root-ca.crt" ? ["data": ["ca.crt": "PEM"]] : nil
        }
        let files = try XCTUnwrap(VolumePayload.files(for: volume, pod: pod, lookup: lookup,
                                                      tokens: ["kube-api-access-abcde/token": "jwt"]))
        XCTAssertEqual(files.map(\.path), ["token", "ca.crt", "namespace"])
        XCTAssertEqual(files.map { String(decoding: $0.data, as: UTF8.self) }, ["jwt", "PEM", "shop"])
        XCTAssertEqual(Set(files.map(\.mode)), [0o644])
        XCTAssertThrowsError(try VolumePayload.files(for: volume, pod: pod, lookup: lookup, tokens: [:]))
    }
}
