import Foundation
import XCTest

@testable import KubeAPI

final class WireProtobufTests: XCTestCase {
    /// The body of `kubectl create secret tls nginxsecret --key … --cert …`, padded so the raw
    /// object is 2946 bytes long like the one observed (kubectl-wire.md §6).
    private func kubectlTLSSecretBody() -> (body: [UInt8], cert: [UInt8], key: [UInt8]) {
        let key = Array("-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n".utf8)
        for certLength in 1000...3000 {
            let cert = Array(repeating: UInt8(ascii: "A"), count: certLength)
            var raw = WireProtobufTestWriter()
            raw.kubectlMetadata(name: "nginxsecret")
            raw.mapEntry(2, "tls.crt", cert)
            raw.mapEntry(2, "tls.key", key)
            raw.string(3, "kubernetes.io/tls")
            if raw.bytes.count == 2946 {
                return (WireProtobufTestWriter.envelope(apiVersion: "v1", kind: "Secret", raw: raw.bytes), cert, key)
            }
        }
        fatalError("no certificate length gives a 2946-byte secret")
    }

    func testKubectlSecretBodyMatchesObservedPrefixAndDecodes() throws {
        let (body, cert, key) = kubectlTLSSecretBody()
        let observed = "6b3873000a0c0a02763112065365637265741282170a1b0a0b6e67696e7873656372657412001a0022002a00320038004200"
        XCTAssertTrue(body.wireHex.hasPrefix(observed), body.prefix(60).map { $0 }.wireHex)

        let object = try KubeProtobuf.decodeObject(body)
        XCTAssertEqual(object, [
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": ["name": "nginxsecret"],
            "type": "kubernetes.io/tls",
            "data": [
                "tls.crt": .string(Data(cert).base64EncodedString()),
                "tls.key": .string(Data(key).base64EncodedString()),
            ],
        ])
    }

    func testConfigMapFromFileWithUnicodeAndBinaryData() throws {
        let binary: [UInt8] = [0x00, 0xff, 0xfe, 0x80, 0x0a]
        var raw = WireProtobufTestWriter()
        raw.kubectlMetadata(name: "nginxconfigmap")
        raw.mapEntry(2, "config.txt", Array("hello config\n".utf8))
        raw.mapEntry(2, "grüße.txt", Array("héllo ✓ 日本語 🚀".utf8))
        raw.mapEntry(3, "blob.bin", binary)
        raw.mapEntry(3, "empty.bin", [])
        raw.bool(4, false)
        let body = WireProtobufTestWriter.envelope(apiVersion: "v1", kind: "ConfigMap", raw: raw.bytes)

        let object = try KubeProtobuf.decodeObject(body)
        XCTAssertEqual(object, [
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": ["name": "nginxconfigmap"],
            "data": ["config.txt": "hello config\n", "grüße.txt": "héllo ✓ 日本語 🚀"],
            "binaryData": ["blob.bin": "AP/+gAo=", "empty.bin": ""],
            "immutable": false,
        ])
    }

    func testSecretStringDataImmutableAndEmptyFieldsOmitted() throws {
        var raw = WireProtobufTestWriter()
        raw.message(1) { _ in }
        raw.string(3, "")
        raw.mapEntry(4, "password", Array("s3cr=t,ü".utf8))
        raw.bool(5, true)
        let object = try KubeProtobuf.decodeObject(
            WireProtobufTestWriter.envelope(apiVersion: "v1", kind: "Secret", raw: raw.bytes))
        XCTAssertEqual(object, [
            "apiVersion": "v1", "kind": "Secret", "metadata": [:],
            "stringData": ["password": "s3cr=t,ü"], "immutable": true,
        ])
    }

    func testCompleteObjectMeta() throws {
        var raw = WireProtobufTestWriter()
        raw.message(1) { meta in
            meta.string(1, "web")
            meta.string(2, "web-")
            meta.string(3, "prod")
            meta.string(4, "/api/v1/namespaces/prod/configmaps/web")
            meta.string(5, "6f1c-uid")
            meta.string(6, "42")
            meta.int64(7, 3)
            meta.message(8) { t in
                t.int64(1, 1_700_000_000)
                t.int64(2, 123_456_789)  // nanoseconds are dropped, as Kubernetes does
            }
            meta.message(9) { t in t.int64(1, 951_782_400) }
            meta.int64(10, 0)  // a pointer: present even when zero
            meta.mapEntry(11, "app", Array("web".utf8))
            meta.mapEntry(11, "tier", Array("front".utf8))
            meta.mapEntry(12, "note", Array("ünïcode ✓".utf8))
            meta.message(13) { ref in
                ref.string(1, "ReplicaSet")
                ref.string(3, "web-abc")
                ref.string(4, "rs-uid")
                ref.string(5, "apps/v1")
                ref.bool(6, true)
                ref.bool(7, false)
            }
            meta.message(13) { ref in ref.string(3, "bare") }
            meta.string(14, "kubernetes.io/pv-protection")
            meta.string(14, "example.com/cleanup")
            meta.message(17) { entry in entry.string(1, "kubectl-create") }
            meta.string(99, "a field from the future")
        }
        let object = try KubeProtobuf.decodeObject(
            WireProtobufTestWriter.envelope(apiVersion: "v1", kind: "ConfigMap", raw: raw.bytes))
        XCTAssertEqual(object["metadata"], [
            "name": "web",
            "generateName": "web-",
            "namespace": "prod",
            "selfLink": "/api/v1/namespaces/prod/configmaps/web",
            "uid": "6f1c-uid",
            "resourceVersion": "42",
            "generation": 3,
            "creationTimestamp": "2023-11-14T22:13:20Z",
            "deletionTimestamp": "2000-02-29T00:00:00Z",
            "deletionGracePeriodSeconds": 0,
            "labels": ["app": "web", "tier": "front"],
            "annotations": ["note": "ünïcode ✓"],
            "ownerReferences": [
                ["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc", "uid": "rs-uid",
                 "controller": true, "blockOwnerDeletion": false],
                ["apiVersion": "", "kind": "", "name": "bare", "uid": ""],
            ],
            "finalizers": ["kubernetes.io/pv-protection", "example.com/cleanup"],
        ])
    }

    func testTimestampFormatting() {
        XCTAssertEqual(ProtobufTime.rfc3339(unixSeconds: 0), "1970-01-01T00:00:00Z")
        XCTAssertEqual(ProtobufTime.rfc3339(unixSeconds: -1), "1969-12-31T23:59:59Z")
        XCTAssertEqual(ProtobufTime.rfc3339(unixSeconds: 1_709_208_000), "2024-02-29T12:00:00Z")
        XCTAssertEqual(ProtobufTime.rfc3339(unixSeconds: 253_402_300_799), "9999-12-31T23:59:59Z")
        XCTAssertEqual(ProtobufTime.rfc3339(unixSeconds: -62_135_596_800), "0001-01-01T00:00:00Z")
        XCTAssertNil(ProtobufTime.rfc3339(unixSeconds: 253_402_300_800))
    }

    func testOtherKindsAreRefusedClearly() {
        var raw = WireProtobufTestWriter()
        raw.kubectlMetadata(name: "p")
        let body = WireProtobufTestWriter.envelope(apiVersion: "v1", kind: "Pod", raw: raw.bytes)
        XCTAssertThrowsError(try KubeProtobuf.decodeObject(body)) { error in
            let e = error as? ProtobufDecodeError
            XCTAssertEqual(e?.reason, .unsupportedKind)
            XCTAssertTrue(e?.description.hasPrefix("protobuf is only accepted for the kinds kubectl create sends") ?? false,
                          "\(error)")
            XCTAssertTrue(e?.description.contains("Kind=Pod") ?? false, "\(error)")
        }
    }

    func testMalformedBodies() {
        func message(_ body: [UInt8]) -> String? {
            do {
                _ = try KubeProtobuf.decodeObject(body)
                return nil
            } catch let error as ProtobufDecodeError {
                XCTAssertEqual(error.reason, .malformed)
                return error.message
            } catch {
                return "unexpected \(error)"
            }
        }
        XCTAssertEqual(message([]), "empty data")
        XCTAssertEqual(message(Array("{\"kind\":\"Secret\"}".utf8)),
                       "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]")
        XCTAssertEqual(message([0x6b, 0x38, 0x73, 0x00]), "empty body")

        let good = kubectlTLSSecretBody().body
        let truncated = Array(good.dropLast(10))
        XCTAssertEqual(message(truncated), "invalid protobuf in runtime.Unknown: length 2946 runs past the end of the data")

        // metadata.name sent as a varint instead of a string.
        var raw = WireProtobufTestWriter()
        raw.message(1) { meta in meta.int64(1, 5) }
        XCTAssertEqual(message(WireProtobufTestWriter.envelope(apiVersion: "v1", kind: "Secret", raw: raw.bytes)),
                       "invalid protobuf in ObjectMeta: wrong wire type 0 for field name")

        // A map entry whose length overruns its message.
        var badMap = WireProtobufTestWriter()
        badMap.tag(2, wireType: 2)
        badMap.varint(3)
        badMap.raw([0x0a, 0x05, 0x61])
        XCTAssertEqual(message(WireProtobufTestWriter.envelope(apiVersion: "v1", kind: "ConfigMap", raw: badMap.bytes)),
                       "invalid protobuf in ConfigMap.data: length 5 runs past the end of the data")

        // An over-long varint and a deprecated group.
        XCTAssertNotNil(message([0x6b, 0x38, 0x73, 0x00, 0x08] + Array(repeating: 0xff, count: 10) + [0x01]))
        XCTAssertEqual(message([0x6b, 0x38, 0x73, 0x00, 0x4b]),
                       "invalid protobuf in runtime.Unknown: groups are not supported (field 9)")
        XCTAssertEqual(message([0x6b, 0x38, 0x73, 0x00, 0x0b]),
                       "invalid protobuf in runtime.Unknown: wrong wire type 3 for field typeMeta")
    }

    func testContentTypeRecognition() {
        XCTAssertTrue(KubeProtobuf.isProtobuf(contentType: "application/vnd.kubernetes.protobuf"))
        XCTAssertTrue(KubeProtobuf.isProtobuf(contentType: "Application/VND.Kubernetes.Protobuf; charset=x"))
        XCTAssertFalse(KubeProtobuf.isProtobuf(contentType: "application/json"))
        XCTAssertFalse(KubeProtobuf.isProtobuf(contentType: "application/vnd.kubernetes.protobufx"))
    }
}
