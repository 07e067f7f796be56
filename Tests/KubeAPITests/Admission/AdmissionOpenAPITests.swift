import XCTest
@testable import KubeAPI

final class AdmissionOpenAPITests: XCTestCase {
    func testInlineSchemaOfAPod() {
        let schema = Admission.openAPISchema(kind: "Pod")
        XCTAssertEqual(schema["type"], "object")
        XCTAssertEqual(schema["x-kubernetes-group-version-kind"], [["group": "", "kind": "Pod", "version": "v1"]])
        let containers = schema["properties"]["spec"]["properties"]["containers"]
        XCTAssertEqual(containers["type"], "array")
        XCTAssertEqual(containers["x-kubernetes-patch-merge-key"], "name")
        XCTAssertEqual(containers["x-kubernetes-patch-strategy"], "merge")
        XCTAssertEqual(containers["items"]["properties"]["image"], ["type": "string"])
        XCTAssertEqual(containers["items"]["properties"]["ports"]["items"]["properties"]["containerPort"], ["type": "integer", "format": "int32"])
        XCTAssertEqual(schema["properties"]["metadata"]["properties"]["labels"], ["type": "object", "additionalProperties": ["type": "string"]])
        XCTAssertEqual(schema["properties"]["metadata"]["properties"]["creationTimestamp"], ["type": "string", "format": "date-time"])
        XCTAssertEqual(Admission.openAPISchema(kind: "Secret")["properties"]["data"]["additionalProperties"], ["type": "string", "format": "byte"])
        XCTAssertEqual(Admission.openAPISchema(kind: "Service")["properties"]["spec"]["properties"]["ports"]["items"]["properties"]["targetPort"]["x-kubernetes-int-or-string"], true)
        XCTAssertTrue(Admission.openAPISchema(kind: "Nope").isNull)
    }

    func testComponentsUseKubernetesDefinitionNames() {
        let components = Admission.openAPIComponents(kinds: ["Deployment", "Event", "events.k8s.io/Event"])
        XCTAssertNotNil(components["io.k8s.api.apps.v1.Deployment"])
        XCTAssertNotNil(components["io.k8s.api.core.v1.PodSpec"])
        XCTAssertNotNil(components["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"])
        XCTAssertNotNil(components["io.k8s.api.core.v1.Event"])
        XCTAssertNotNil(components["io.k8s.api.events.v1.Event"])
        let deployment = components["io.k8s.api.apps.v1.Deployment"]!
        XCTAssertEqual(deployment["x-kubernetes-group-version-kind"], [["group": "apps", "kind": "Deployment", "version": "v1"]])
        XCTAssertEqual(deployment["properties"]["spec"]["allOf"], [["$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"]])
        let podSpec = components["io.k8s.api.core.v1.PodSpec"]!
        XCTAssertEqual(podSpec["properties"]["containers"]["items"]["allOf"], [["$ref": "#/components/schemas/io.k8s.api.core.v1.Container"]])
    }

    func testComponentsCarryThePatchStrategiesOfTheGoTags() {
        let components = Admission.openAPIComponents(kinds: ["Deployment"])
        let meta = components["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]!
        XCTAssertEqual(meta["properties"]["finalizers"]["x-kubernetes-patch-strategy"], "merge")
        XCTAssertTrue(meta["properties"]["finalizers"]["x-kubernetes-patch-merge-key"].isNull)
        let volumes = components["io.k8s.api.core.v1.PodSpec"]!["properties"]["volumes"]
        XCTAssertEqual(volumes["x-kubernetes-patch-strategy"], "merge,retainKeys")
        XCTAssertEqual(volumes["x-kubernetes-patch-merge-key"], "name")
        let strategy = components["io.k8s.api.apps.v1.DeploymentSpec"]!["properties"]["strategy"]
        XCTAssertEqual(strategy["x-kubernetes-patch-strategy"], "retainKeys")
        XCTAssertEqual(strategy["allOf"], [["$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"]])
    }

    func testStatusUpdateKeepsSpec() {
        let old: JSON = ["metadata": ["name": "p", "resourceVersion": "5", "labels": ["a": "b"]],
                         "spec": ["nodeName": "n1"], "status": ["phase": "Pending"]]
        var new: JSON = ["metadata": ["name": "p", "resourceVersion": "5"], "spec": ["nodeName": "n2"], "status": ["phase": "Running"]]
        Admission.prepareForStatusUpdate(kind: "Pod", object: &new, old: old)
        XCTAssertEqual(new, ["metadata": ["name": "p", "resourceVersion": "5", "labels": ["a": "b"]],
                             "spec": ["nodeName": "n1"], "status": ["phase": "Running"]])
    }
}
