import XCTest

@testable import KubeAPI

final class WireFieldSelectorTests: XCTestCase {
    private func error(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch let e as FieldSelectorError {
            return e.message
        } catch {
            return "unexpected \(error)"
        }
    }

    private let pod: JSON = [
        "apiVersion": "v1", "kind": "Pod",
        "metadata": ["name": "web-1", "namespace": "default"],
        "spec": ["nodeName": "node-1", "restartPolicy": "Always", "schedulerName": "default-scheduler",
                 "serviceAccountName": "default", "containers": [["name": "c", "image": "nginx"]]],
        "status": ["phase": "Running", "podIP": "10.244.0.10", "podIPs": [["ip": "10.244.0.10"], ["ip": "fd00::a"]]],
    ]

    func testParsingOperatorsAndCanonicalString() throws {
        let selector = try FieldSelector(parsing: "status.phase!=Failed,metadata.name==web-1,spec.nodeName=node-1")
        XCTAssertEqual(selector.requirements, [
            .init(field: "metadata.name", operator: .doubleEquals, value: "web-1"),
            .init(field: "spec.nodeName", operator: .equals, value: "node-1"),
            .init(field: "status.phase", operator: .notEquals, value: "Failed"),
        ])
        XCTAssertEqual(selector.string, "metadata.name=web-1,spec.nodeName=node-1,status.phase!=Failed")
        XCTAssertTrue(try FieldSelector(parsing: "").isEmpty)
        XCTAssertTrue(try FieldSelector(parsing: ",,").isEmpty)
        XCTAssertEqual(try FieldSelector(parsing: "spec.nodeName=").requirements.first?.value, "")
    }

    func testEscapedValues() throws {
        let selector = try FieldSelector(parsing: #"metadata.name=a\,b\=c\\d,type=x"#)
        XCTAssertEqual(selector.requirements.map(\.value), [#"a,b=c\d"#, "x"])
        XCTAssertEqual(selector.string, #"metadata.name=a\,b\=c\\d,type=x"#)
        XCTAssertEqual(FieldSelector.escape(#"a,b=c\d"#), #"a\,b\=c\\d"#)

        XCTAssertEqual(error { try FieldSelector(parsing: #"metadata.name=a\b"#) },
                       #"invalid field selector: invalid escape sequence: \b"#)
        XCTAssertEqual(error { try FieldSelector(parsing: #"metadata.name=a\"#) },
                       #"invalid field selector: invalid escape sequence: \"#)
        XCTAssertEqual(error { try FieldSelector(parsing: "metadata.name=a=b") },
                       "invalid field selector: unescaped character in value: 61")
    }

    func testSyntaxErrors() {
        XCTAssertEqual(error { try FieldSelector(parsing: "spec.nodeName in (a,b)") },
                       "invalid selector: 'spec.nodeName in (a,b)'; can't understand 'b)'")
        XCTAssertEqual(error { try FieldSelector(parsing: "metadata.name") },
                       "invalid selector: 'metadata.name'; can't understand 'metadata.name'")
    }

    func testSupportedFieldsPerKindWithKubernetesMessages() throws {
        XCTAssertEqual(error { try FieldSelector(parsing: "spec.foo=x", kind: "Pod") },
                       "field label not supported: spec.foo")
        XCTAssertEqual(error { try FieldSelector(parsing: "status.hostIP=1.2.3.4", kind: "Pod") },
                       "field label not supported: status.hostIP")
        XCTAssertEqual(error { try FieldSelector(parsing: "status.replicas=0", kind: "ReplicaSet") },
                       "\"status.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
        XCTAssertEqual(error { try FieldSelector(parsing: "spec.replicas=1", kind: "Deployment") },
                       "\"spec.replicas\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
        XCTAssertEqual(error { try FieldSelector(parsing: "metadata.namespace=x", kind: "Node") },
                       "field label not supported: metadata.namespace")
        XCTAssertEqual(error { try FieldSelector(parsing: "status.failed=1", kind: "Job") },
                       "field label \"status.failed\" not supported for Job")
        XCTAssertEqual(error { try FieldSelector(parsing: "involvedObject.name=x", kind: "Event", group: "events.k8s.io") },
                       "field label not supported: involvedObject.name")

        for (kind, field) in [("Pod", "spec.serviceAccountName"), ("Pod", "spec.hostNetwork"), ("Pod", "status.podIP"),
                              ("Pod", "status.nominatedNodeName"), ("Event", "involvedObject.uid"), ("Event", "source"),
                              ("Event", "reportingComponent"), ("Secret", "type"), ("Node", "spec.unschedulable"),
                              ("Namespace", "status.phase"), ("Service", "spec.clusterIP"), ("ConfigMap", "metadata.name"),
                              ("ReplicationController", "status.replicas"), ("Job", "status.successful")] {
            XCTAssertNoThrow(try FieldSelector(parsing: "\(field)=x", kind: kind), "\(kind) \(field)")
        }
        XCTAssertEqual(FieldSelectorFields.supportedFields(kind: "Secret"), ["type", "metadata.name", "metadata.namespace"])

        // Renames: a Pod's legacy spec.host, events.k8s.io spellings.
        XCTAssertEqual(try FieldSelector(parsing: "spec.host=node-1", kind: "Pod").string, "spec.nodeName=node-1")
        XCTAssertEqual(try FieldSelector(parsing: "regarding.name=web", kind: "Event", group: "events.k8s.io").string,
                       "involvedObject.name=web")
    }

    func testPodMatching() throws {
        XCTAssertTrue(try FieldSelector(parsing: "spec.nodeName=node-1", kind: "Pod").matches(pod, kind: "Pod"))
        XCTAssertFalse(try FieldSelector(parsing: "spec.nodeName=node-2", kind: "Pod").matches(pod, kind: "Pod"))
        XCTAssertTrue(try FieldSelector(parsing: "status.phase!=Failed,status.phase!=Succeeded", kind: "Pod")
            .matches(pod, kind: "Pod"))
        XCTAssertTrue(try FieldSelector(parsing: "spec.hostNetwork=false", kind: "Pod").matches(pod, kind: "Pod"))
        XCTAssertTrue(try FieldSelector(parsing: "status.podIP=10.244.0.10", kind: "Pod").matches(pod, kind: "Pod"))
        XCTAssertTrue(try FieldSelector(parsing: "metadata.namespace=default,metadata.name=web-1", kind: "Pod")
            .matches(pod, kind: "Pod"))
        // Accepted but never set by Kubernetes: reads as "".
        XCTAssertFalse(try FieldSelector(parsing: "status.podIPs=10.244.0.10", kind: "Pod").matches(pod, kind: "Pod"))
        XCTAssertTrue(try FieldSelector(parsing: "status.podIPs=", kind: "Pod").matches(pod, kind: "Pod"))
        // An unscheduled pod: the kubelet's and scheduler's `spec.nodeName=` query.
        var pending = pod
        pending[path: ["spec", "nodeName"]] = .null
        XCTAssertTrue(try FieldSelector(parsing: "spec.nodeName=", kind: "Pod").matches(pending, kind: "Pod"))
        XCTAssertTrue(try FieldSelector(parsing: "spec.nodeName!=node-1", kind: "Pod").matches(pending, kind: "Pod"))
    }

    func testOtherKindsMatching() throws {
        let event: JSON = [
            "kind": "Event", "metadata": ["name": "web-1.17a", "namespace": "default"],
            "involvedObject": ["kind": "Pod", "name": "web-1", "namespace": "default", "uid": "u1"],
            "reason": "Scheduled", "type": "Normal", "source": ["component": "default-scheduler"],
        ]
        let describe = try FieldSelector(
            parsing: "involvedObject.name=web-1,involvedObject.namespace=default,involvedObject.kind=Pod,involvedObject.uid=u1",
            kind: "Event")
        XCTAssertTrue(describe.matches(event, kind: "Event"))
        XCTAssertTrue(try FieldSelector(parsing: "source=default-scheduler", kind: "Event").matches(event, kind: "Event"))
        XCTAssertFalse(try FieldSelector(parsing: "type=Warning", kind: "Event").matches(event, kind: "Event"))

        let node: JSON = ["kind": "Node", "metadata": ["name": "node-1"], "spec": ["unschedulable": true]]
        XCTAssertTrue(try FieldSelector(parsing: "spec.unschedulable=true", kind: "Node").matches(node, kind: "Node"))
        XCTAssertTrue(try FieldSelector(parsing: "spec.unschedulable=false", kind: "Node")
            .matches(["metadata": ["name": "n"]], kind: "Node"))

        let secret: JSON = ["kind": "Secret", "metadata": ["name": "s", "namespace": "default"], "type": "kubernetes.io/tls"]
        XCTAssertTrue(try FieldSelector(parsing: "type=kubernetes.io/tls", kind: "Secret").matches(secret, kind: "Secret"))

        let job: JSON = ["kind": "Job", "metadata": ["name": "j"], "status": ["succeeded": 1]]
        XCTAssertTrue(try FieldSelector(parsing: "status.successful=1", kind: "Job").matches(job, kind: "Job"))
        XCTAssertTrue(try FieldSelector(parsing: "status.successful=0", kind: "Job")
            .matches(["metadata": ["name": "j"]], kind: "Job"))

        let namespace: JSON = ["kind": "Namespace", "metadata": ["name": "default"], "status": ["phase": "Active"]]
        XCTAssertTrue(try FieldSelector(parsing: "status.phase=Active", kind: "Namespace").matches(namespace, kind: "Namespace"))
        XCTAssertTrue(try FieldSelector(parsing: "metadata.name=default", kind: "Namespace").matches(namespace, kind: "Namespace"))
    }

    func testExactValueForIndexes() throws {
        let selector = try FieldSelector(parsing: "spec.nodeName!=x,status.phase=Running,spec.nodeName==node-1")
        XCTAssertEqual(selector.nodeName(), "node-1")
        XCTAssertEqual(selector.exactValue(for: "status.phase"), "Running")
        XCTAssertNil(selector.exactValue(for: "metadata.name"))
        XCTAssertNil(try FieldSelector(parsing: "spec.nodeName!=node-1").nodeName())
        XCTAssertEqual(try FieldSelector(parsing: "spec.host=n", kind: "Pod").nodeName(), "n")
    }
}
