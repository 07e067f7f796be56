import XCTest
@testable import KubeAPI

final class AdmissionDecodingTests: XCTestCase {
    func testEveryKindHasASchemaWithTheCommonMembers() {
        let keys = ["Namespace", "Node", "Pod", "Service", "Endpoints", "EndpointSlice", "Secret", "ConfigMap",
                    "ServiceAccount", "Event", "events.k8s.io/Event", "Lease", "Deployment", "ReplicaSet", "Scale", "Binding"]
        for key in keys {
            guard let root = FieldSchema.forKind(key)?.structSchema else { return XCTFail("no schema for \(key)") }
            for member in ["apiVersion", "kind", "metadata"] { XCTAssertNotNil(root.fields[member], "\(key).\(member)") }
        }
        XCTAssertEqual(Admission.kinds.count, keys.count)
        XCTAssertEqual(Admission.kindKey(apiVersion: "events.k8s.io/v1", kind: "Event"), "events.k8s.io/Event")
        XCTAssertEqual(Admission.kindKey(apiVersion: "v1", kind: "Event"), "Event")
        XCTAssertEqual(Admission.kindKey(apiVersion: "apps/v1", kind: "Deployment"), "Deployment")
    }

    func testUnknownFieldsAreReportedWithPathsAndIndices() {
        let deployment: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": "x", "labelz": ["a": "b"]],
            "spec": [
                "selector": ["matchLabels": ["a": "b"]],
                "template": [
                    "metadata": ["labels": ["a": "b"]],
                    "spec": [
                        "containers": [
                            ["name": "a", "image": "i"],
                            ["name": "b", "imagee": "i", "ports": [["containerPort": 80, "hostport": 1]],
                             "readinessProbe": ["httpGet": ["port": 80, "failureThreshold": 3]]],
                        ],
                        "volumes": [["name": "v", "secret": ["secretName": "s", "mode": 1]]],
                    ],
                ],
            ],
            "status": ["replicas": 1],
        ]
        XCTAssertEqual(Admission.unknownFields(kind: "Deployment", object: deployment), [
            "metadata.labelz",
            "spec.template.spec.containers[1].imagee",
            "spec.template.spec.containers[1].ports[0].hostport",
            "spec.template.spec.containers[1].readinessProbe.httpGet.failureThreshold",
            "spec.template.spec.volumes[0].secret.mode",
        ])
    }

    func testStatusIsUnknownOnKindsWithoutOne() {
        let secret: JSON = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "status": [:]]
        XCTAssertEqual(Admission.unknownFields(kind: "Secret", object: secret), ["status"])
        let configMap: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "spec": [:]]
        XCTAssertEqual(Admission.unknownFields(kind: "ConfigMap", object: configMap), ["spec"])
        XCTAssertEqual(Admission.unknownFields(kind: "Nope", object: configMap), [])
    }

    func testMetadataKnowsManagedFieldsAndOwnerReferences() {
        let cm: JSON = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": [
                "name": "c", "uid": "u", "resourceVersion": "1", "generation": 2, "creationTimestamp": "2024-01-02T03:04:05Z",
                "ownerReferences": [["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "r", "uid": "u", "controller": true, "blockOwnerDeletion": true]],
                "managedFields": [["manager": "kubectl", "operation": "Apply", "apiVersion": "v1", "time": "2024-01-02T03:04:05Z",
                                   "fieldsType": "FieldsV1", "fieldsV1": ["f:data": ["f:a": [:]]]]],
                "finalizers": ["example.com/x"],
            ],
            "data": ["a": "b"], "binaryData": ["b": "AAE="], "immutable": false,
        ]
        XCTAssertEqual(Admission.unknownFields(kind: "ConfigMap", object: cm), [])
        XCTAssertEqual(Admission.decodeErrors(kind: "ConfigMap", object: cm), [])
    }

    func testTypeMismatchesAreWordedAsGoDoes() {
        let service: JSON = [
            "apiVersion": "v1", "kind": "Service", "metadata": ["name": "s"],
            "spec": ["ports": [["port": "80"]]],
        ]
        let errors = Admission.decodeErrors(kind: "Service", object: service)
        XCTAssertEqual(errors, ["json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32"])
        XCTAssertEqual(Admission.decodeErrorMessage(kind: "Service", version: "v1", error: errors[0]),
                       "Service in version \"v1\" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32")

        func first(_ key: String, _ object: JSON) -> String? { Admission.decodeErrors(kind: key, object: object).first }
        XCTAssertEqual(first("Service", ["metadata": ["name": 5]]),
                       "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.name of type string")
        XCTAssertEqual(first("Service", ["spec": ["type": 1]]),
                       "json: cannot unmarshal number into Go struct field ServiceSpec.spec.type of type v1.ServiceType")
        XCTAssertEqual(first("Service", ["spec": ["ports": ["port": 80]]]),
                       "json: cannot unmarshal object into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort")
        XCTAssertEqual(first("Service", ["spec": "x"]),
                       "json: cannot unmarshal string into Go struct field Service.spec of type v1.ServiceSpec")
        XCTAssertEqual(first("Service", ["metadata": ["labels": ["a": 1]]]),
                       "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string")
        XCTAssertEqual(first("Service", ["spec": ["ports": [["port": 80, "targetPort": true]]]]),
                       "json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32")
        XCTAssertEqual(first("Deployment", ["spec": ["replicas": 1.5]]),
                       "json: cannot unmarshal number 1.5 into Go struct field DeploymentSpec.spec.replicas of type int32")
        XCTAssertEqual(first("Deployment", ["spec": ["paused": "yes"]]),
                       "json: cannot unmarshal string into Go struct field DeploymentSpec.spec.paused of type bool")
        XCTAssertEqual(first("Pod", ["spec": ["containers": [["name": "c", "command": "sh"]]]]),
                       "json: cannot unmarshal string into Go struct field Container.spec.containers.command of type []string")
        XCTAssertEqual(first("Secret", ["data": ["a": 1]]),
                       "json: cannot unmarshal number into Go struct field Secret.data of type []uint8")
        XCTAssertEqual(first("Pod", ["spec": ["containers": [["resources": ["limits": ["cpu": "1 core"]]]]]]),
                       "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
        XCTAssertEqual(first("Pod", ["spec": ["containers": [["resources": ["limits": ["memory": "1ki"]]]]]]),
                       "unable to parse quantity's suffix")
        XCTAssertNil(first("Pod", ["spec": ["containers": [["resources": ["limits": ["cpu": 2, "memory": "64Mi"], "requests": ["cpu": "500m"]]]]]]))
        XCTAssertEqual(first("ConfigMap", ["metadata": ["creationTimestamp": 5]]),
                       "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string")
        XCTAssertEqual(first("ConfigMap", ["metadata": ["creationTimestamp": "yesterday"]]),
                       #"parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006""#)
        XCTAssertEqual(first("ConfigMap", ["metadata": ["creationTimestamp": "2024-13-01T00:00:00Z"]]),
                       #"parsing time "2024-13-01T00:00:00Z": month out of range"#)
        XCTAssertNil(first("ConfigMap", ["metadata": ["creationTimestamp": "2024-02-29T23:59:59.5+01:00"]]))
        XCTAssertNil(first("Lease", ["spec": ["renewTime": "2024-02-29T23:59:59.123456Z"]]))
        XCTAssertEqual(first("Lease", ["spec": ["renewTime": "2024-02-29T23:59:59Z"]]),
                       #"parsing time "2024-02-29T23:59:59Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" as ".000000""#)
        XCTAssertNil(first("Service", ["spec": ["ports": [["port": 80, "targetPort": "http"]]], "status": ["loadBalancer": [:]]]))
    }

    func testGoBase64MatchesGoOffsets() {
        XCTAssertEqual(Admission.GoBase64.decode("aGVsbG8="), .success(Array("hello".utf8)))
        XCTAssertEqual(Admission.GoBase64.decode("aGVs\nbG8="), .success(Array("hello".utf8)))
        XCTAssertEqual(Admission.GoBase64.decode("aGVsbG8"), .failure(4))   // padding is mandatory
        XCTAssertEqual(Admission.GoBase64.decode("aGVsbG8=x"), .failure(8))  // garbage after padding
        XCTAssertEqual(Admission.GoBase64.decode("a==="), .failure(1))
        XCTAssertEqual(Admission.GoBase64.decode("ab=c"), .failure(2))
        XCTAssertEqual(Admission.GoBase64.encode(Array("hello".utf8)), "aGVsbG8=")
        XCTAssertEqual(Admission.GoBase64.encode(Array("hi".utf8)), "aGk=")
    }

    func testQuantityParsing() {
        for good in ["1", "0", "500m", "1.5", "64Mi", "1Gi", "2e3", "1E", "+1", "-1", ".5", "1."] {
            XCTAssertNil(Admission.GoQuantity.parseError(good), good)
        }
        XCTAssertEqual(Admission.GoQuantity.parseError(""), Admission.GoQuantity.formatWrong)
        XCTAssertEqual(Admission.GoQuantity.parseError("1Gb"), Admission.GoQuantity.formatWrong)  // 'b' is no suffix letter
        XCTAssertEqual(Admission.GoQuantity.parseError("1ki"), Admission.GoQuantity.suffixWrong)
        if case .success(let v) = Admission.GoQuantity.parse("64Mi") { XCTAssertEqual(v, 67_108_864) } else { XCTFail() }
        if case .success(let v) = Admission.GoQuantity.parse("250m") { XCTAssertEqual(v, 0.25, accuracy: 1e-12) } else { XCTFail() }
    }
}
