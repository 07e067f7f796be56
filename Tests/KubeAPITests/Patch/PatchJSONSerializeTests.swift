import Dispatch
import XCTest

@testable import KubeAPI

final class PatchJSONSerializeTests: XCTestCase {
    private func text(_ value: JSON) -> String { value.jsonString }

    func testCompactWithSortedKeys() {
        let value: JSON = ["b": 1, "a": [true, false, .null], "c": "x", "d": ["z": 1, "y": .object([:])], "e": .array([])]
        XCTAssertEqual(text(value), #"{"a":[true,false,null],"b":1,"c":"x","d":{"y":{},"z":1},"e":[]}"#)
        XCTAssertEqual(String(decoding: value.serialized(), as: UTF8.self), text(value))
        XCTAssertEqual(text(["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "x"]]),
            #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"}}"#)
    }

    func testScalars() {
        XCTAssertEqual(text(.null), "null")
        XCTAssertEqual(text(true), "true")
        XCTAssertEqual(text(false), "false")
        XCTAssertEqual(text(0), "0")
        XCTAssertEqual(text(-42), "-42")
        XCTAssertEqual(text(.int(Int64.max)), "9223372036854775807")
        XCTAssertEqual(text(.int(Int64.min)), "-9223372036854775808")
        XCTAssertEqual(text(""), #""""#)
    }

    func testStringEscapingMatchesGo() {
        XCTAssertEqual(text(.string("plain text, ünïcödé 世界 😀")), "\"plain text, ünïcödé 世界 😀\"")
        XCTAssertEqual(text(.string("a\"b\\c/d")), #""a\"b\\c/d""#)
        XCTAssertEqual(text(.string("\n\r\t\u{8}\u{C}")), #""\n\r\t\b\f""#)
        XCTAssertEqual(text(.string("\u{0}\u{1}\u{1F}\u{7F}")), "\"\\u0000\\u0001\\u001f\u{7F}\"")
        XCTAssertEqual(text(.string("<script>&amp;</script>")), #""\u003cscript\u003e\u0026amp;\u003c/script\u003e""#)
        XCTAssertEqual(text(.string("line\u{2028}para\u{2029}end")), #""line\u2028para\u2029end""#)
        // Other three-byte characters starting with 0xE2 pass through.
        XCTAssertEqual(text(.string("→ ‐ ₂")), "\"→ ‐ ₂\"")
        XCTAssertEqual(text(["<k>": "v"]), #"{"\u003ck\u003e":"v"}"#)
    }

    func testDoublesPrintLikeGo() {
        let cases: [(Double, String)] = [
            (80.0, "80"), (1.5, "1.5"), (-2.5, "-2.5"), (0.1, "0.1"), (0.5, "0.5"), (100, "100"),
            (1e20, "100000000000000000000"), (1.5e20, "150000000000000000000"),
            (999999999999999900000.0, "999999999999999900000"), (1e21, "1e+21"), (1.5e21, "1.5e+21"),
            (1.2345678901234567e25, "1.2345678901234566e+25"), (1.7976931348623157e308, "1.7976931348623157e+308"),
            (123456789.123, "123456789.123"), (9007199254740992, "9007199254740992"),
            (1e-6, "0.000001"), (0.000123, "0.000123"), (1e-7, "1e-7"), (1.5e-7, "1.5e-7"),
            (1.2345e-10, "1.2345e-10"), (.leastNonzeroMagnitude, "5e-324"), (2.2250738585072014e-308, "2.2250738585072014e-308"),
            (0.30000000000000004, "0.30000000000000004"), (-0.0, "-0"), (0.0, "0"), (3.0e9, "3000000000"),
            (1234.5, "1234.5"), (12.3456789, "12.3456789"),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(text(.double(value)), expected, "formatting \(value)")
        }
        XCTAssertEqual(text(.double(.nan)), "null")
        XCTAssertEqual(text(.double(.infinity)), "null")
        XCTAssertEqual(text(["cpu": .double(0.25), "port": .double(80)]), #"{"cpu":0.25,"port":80}"#)
    }

    func testKeysSortByUTF8Bytes() {
        // Go sorts by bytes; a decomposed "é" (e + U+0301) sorts before "f", the precomposed one after.
        let value: JSON = ["f": 1, "e\u{301}x": 2, "a": 3, "Z": 4, "é": 5]
        XCTAssertEqual(text(value), "{\"Z\":4,\"a\":3,\"e\u{301}x\":2,\"f\":1,\"é\":5}")
        XCTAssertTrue(JSONSerializer.utf8Less("a", "b"))
        XCTAssertTrue(JSONSerializer.utf8Less("B", "a"))
        XCTAssertTrue(JSONSerializer.utf8Less("ab", "abc"))
        XCTAssertFalse(JSONSerializer.utf8Less("abc", "abc"))
        XCTAssertTrue(JSONSerializer.utf8Less("e\u{301}", "f"))
    }

    func testUnsortedOutputParsesBack() throws {
        let value: JSON = ["b": ["y": 1, "x": [1, 2]], "a": "s", "c": .null]
        let unsorted = value.serialized(sortedKeys: false)
        XCTAssertEqual(try JSON.parse(unsorted), value)
        var out: [UInt8] = []
        value.appendSerialized(to: &out, sortedKeys: false)
        XCTAssertEqual(try JSON.parse(out), value)
    }

    func testAppendSerializedBuildsOneBuffer() throws {
        var out: [UInt8] = Array(#"{"items":["#.utf8)
        let items: [JSON] = [["name": "a"], ["name": "b"]]
        for (i, item) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            item.appendSerialized(to: &out)
        }
        out.append(contentsOf: "]}".utf8)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), #"{"items":[{"name":"a"},{"name":"b"}]}"#)
    }

    func testRoundTripOfAKubernetesObject() throws {
        let text = PatchFixtures.podJSON
        let pod = try JSON.parse(text)
        let bytes = pod.serialized()
        XCTAssertEqual(try JSON.parse(bytes), pod)
        // Serializing is deterministic, and sorted output is stable through another round trip.
        XCTAssertEqual(try JSON.parse(bytes).serialized(), bytes)
        XCTAssertEqual(pod["spec"]["containers"][0]["resources"]["limits"]["cpu"], "500m")
    }

    func testSerializingAThousandPodsIsFast() throws {
        let pod = try JSON.parse(PatchFixtures.podJSON)
        let start = DispatchTime.now()
        var out: [UInt8] = []
        out.reserveCapacity(4 << 20)
        for _ in 0..<1000 {
            pod.appendSerialized(to: &out)
            out.append(UInt8(ascii: ","))
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        // Generous for debug builds on a shared machine; release does this in a few milliseconds.
        XCTAssertLessThan(seconds, 5, "serializing 1000 pods took \(seconds)s")
        XCTAssertGreaterThan(out.count, 1000 * 1000)
    }
}


/// Realistic objects shared by the Patch tests.
enum PatchFixtures {
    static let podJSON = #"""
    {"apiVersion":"v1","kind":"Pod","metadata":{"name":"my-nginx-7d9f8b6c5d-abcde","generateName":"my-nginx-7d9f8b6c5d-","namespace":"default","uid":"0b7c5a3e-8a0e-4c9e-9d7e-5b0f7c8e1a2b","resourceVersion":"12345","creationTimestamp":"2024-05-01T10:00:00Z","labels":{"pod-template-hash":"7d9f8b6c5d","run":"my-nginx"},"annotations":{"kubectl.kubernetes.io/restartedAt":"2024-05-01T09:59:00Z"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"my-nginx-7d9f8b6c5d","uid":"5e0c1d2f-3a4b-4c5d-8e9f-0a1b2c3d4e5f","controller":true,"blockOwnerDeletion":true}]},
     "spec":{"volumes":[{"name":"kube-api-access-x7k2p","projected":{"sources":[{"serviceAccountToken":{"expirationSeconds":3607,"path":"token"}},{"configMap":{"name":"kube-root-ca.crt","items":[{"key":"ca.crt","path":"ca.crt"}]}},{"downwardAPI":{"items":[{"path":"namespace","fieldRef":{"apiVersion":"v1","fieldPath":"metadata.namespace"}}]}}],"defaultMode":420}}],
      "containers":[{"name":"my-nginx","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"}],"env":[{"name":"MODE","value":"production"},{"name":"POD_IP","valueFrom":{"fieldRef":{"apiVersion":"v1","fieldPath":"status.podIP"}}}],"resources":{"limits":{"cpu":"500m","memory":"128Mi"},"requests":{"cpu":"250m","memory":"64Mi"}},"volumeMounts":[{"name":"kube-api-access-x7k2p","readOnly":true,"mountPath":"/var/run/secrets/kubernetes.io/serviceaccount"}],"terminationMessagePath":"/dev/termination-log","terminationMessagePolicy":"File","imagePullPolicy":"Always"}],
      "restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"default","serviceAccount":"default","nodeName":"node-1","securityContext":{},"schedulerName":"default-scheduler","tolerations":[{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300},{"key":"node.kubernetes.io/unreachable","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"},
     "status":{"phase":"Running","conditions":[{"type":"Initialized","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-01T10:00:00Z"},{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-01T10:00:02Z"},{"type":"ContainersReady","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-01T10:00:02Z"},{"type":"PodScheduled","status":"True","lastProbeTime":null,"lastTransitionTime":"2024-05-01T10:00:00Z"}],"hostIP":"192.0.2.10","hostIPs":[{"ip":"192.0.2.10"}],"podIP":"10.244.0.10","podIPs":[{"ip":"10.244.0.10"}],"startTime":"2024-05-01T10:00:00Z","containerStatuses":[{"name":"my-nginx","state":{"running":{"startedAt":"2024-05-01T10:00:01Z"}},"lastState":{},"ready":true,"restartCount":0,"image":"docker.io/library/nginx:latest","imageID":"docker.io/library/nginx@sha256:0123456789abcdef","containerID":"swiftlet://4f3e2d1c0b","started":true}],"qosClass":"Burstable"}}
    """#
}
