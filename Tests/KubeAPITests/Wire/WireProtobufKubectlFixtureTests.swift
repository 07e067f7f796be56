import XCTest

@testable import KubeAPI

/// Every body kubectl 1.32's `create` subcommands were seen to send decodes to exactly the JSON
/// kubectl itself prints for the same object (see WireKubectlFixtures.swift).
final class WireProtobufKubectlFixtureTests: XCTestCase {
    func testEveryKubectlCreateBodyDecodesToKubectlsOwnJSON() throws {
        XCTAssertEqual(WireKubectlFixtures.all.count, 26)
        for fixture in WireKubectlFixtures.all {
            let expected = try WireTestJSON.parse(fixture.json)
            let decoded: JSON
            do {
                decoded = try KubeProtobuf.decodeObject(WireTestJSON.bytes(hex: fixture.bodyHex))
            } catch {
                XCTFail("\(fixture.name) (\(fixture.command)): \(error)")
                continue
            }
            if let difference = WireTestJSON.firstDifference(decoded, expected) {
                XCTFail("\(fixture.name) (\(fixture.command)): \(difference)")
            }
        }
    }

    func testTheComparisonNoticesDifferences() throws {
        let a = try WireTestJSON.parse(#"{"spec":{"ports":[{"port":80}]},"status":{}}"#)
        let b = try WireTestJSON.parse(#"{"spec":{"ports":[{"port":81}]},"status":{}}"#)
        XCTAssertEqual(WireTestJSON.firstDifference(a, b), ".spec.ports[0].port: got int(80), expected int(81)")
        XCTAssertNil(WireTestJSON.firstDifference(a, a))
        XCTAssertNotNil(WireTestJSON.firstDifference(a, try WireTestJSON.parse(#"{"spec":{"ports":[{"port":80}]}}"#)))
    }

    func testFixturesCoverEveryAcceptedKind() throws {
        var kinds: Set<String> = []
        for fixture in WireKubectlFixtures.all {
            let object = try WireTestJSON.parse(fixture.json)
            kinds.insert("\(object["apiVersion"].string ?? "")/\(object["kind"].string ?? "")")
        }
        var accepted: Set<String> = ["v1/Secret", "v1/ConfigMap"]
        for (apiVersion, byKind) in ProtobufSchemas.topLevelKinds {
            for kind in byKind.keys { accepted.insert("\(apiVersion)/\(kind)") }
        }
        // `kubectl create token` has no --dry-run, so TokenRequest is checked by hand elsewhere.
        XCTAssertEqual(accepted.subtracting(kinds), ["authentication.k8s.io/v1/TokenRequest"])
    }
}
