import XCTest
@testable import KubeAPI

final class TablesWorkloadTests: XCTestCase {
    typealias F = TablesFixture

    static let template: JSON = [
        "metadata": ["labels": ["run": "my-nginx"]],
        "spec": ["containers": [["name": "my-nginx", "image": "nginx", "ports": [["containerPort": 80]]],
                                ["name": "sidecar", "image": "busybox:1.36"]]],
    ]

    func testTutorialDeployment() {
        let deployment: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": F.meta("my-nginx", age: 600),
            "spec": ["replicas": 2, "selector": ["matchLabels": ["run": "my-nginx"]], "template": Self.template],
            "status": ["replicas": 2, "updatedReplicas": 2, "readyReplicas": 2, "availableReplicas": 2],
        ]
        let cells = F.cells("Deployment", deployment)
        XCTAssertEqual(cells, ["my-nginx", "2/2", .int(2), .int(2), "10m", "my-nginx,sidecar", "nginx,busybox:1.36",
                               "run=my-nginx"])
    }

    func testDeploymentScalingUpAndDefaults() {
        let deployment: JSON = ["metadata": F.meta("web", age: 10),
                                "spec": ["replicas": 3, "template": Self.template,
                                         "selector": ["matchLabels": ["app": "web"],
                                                      "matchExpressions": [["key": "tier", "operator": "In",
                                                                            "values": ["frontend", "cache"]]]]],
                                "status": ["replicas": 1, "updatedReplicas": 1]]
        XCTAssertEqual(F.texts("Deployment", deployment),
                       ["web", "0/3", "#1", "#0", "10s", "my-nginx,sidecar", "nginx,busybox:1.36",
                        "app=web,tier in (cache,frontend)"])
        // replicas defaults to 1; no selector prints as an empty cell.
        let bare: JSON = ["metadata": F.meta("bare"), "spec": [:]]
        XCTAssertEqual(F.texts("Deployment", bare), ["bare", "0/1", "#0", "#0", "5m", "", "", ""])
        let bad: JSON = ["metadata": F.meta("bad"),
                         "spec": ["selector": ["matchExpressions": [["key": "a", "operator": "Near"]]]]]
        XCTAssertEqual(F.texts("Deployment", bad).last, "<invalid>")
    }

    func testReplicaSet() {
        let rs: JSON = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": F.meta("my-nginx-7d9f8b6c5d", age: 600),
            "spec": ["replicas": 2, "template": Self.template,
                     "selector": ["matchLabels": ["run": "my-nginx", "pod-template-hash": "7d9f8b6c5d"]]],
            "status": ["replicas": 2, "readyReplicas": 1, "availableReplicas": 1],
        ]
        XCTAssertEqual(F.cells("ReplicaSet", rs),
                       ["my-nginx-7d9f8b6c5d", .int(2), .int(2), .int(1), "10m", "my-nginx,sidecar",
                        "nginx,busybox:1.36", "pod-template-hash=7d9f8b6c5d,run=my-nginx"])
        let empty: JSON = ["metadata": F.meta("empty"), "spec": ["replicas": 0]]
        XCTAssertEqual(F.texts("ReplicaSet", empty), ["empty", "#0", "#0", "#0", "5m", "", "", "<none>"])
        let bad: JSON = ["metadata": F.meta("bad"),
                         "spec": ["selector": ["matchExpressions": [["key": "a", "operator": "In", "values": []]]]]]
        XCTAssertEqual(F.texts("ReplicaSet", bad).last, "<error>")
    }

    func testSelectorOperators() {
        let selector: JSON = ["matchLabels": ["b": "2"],
                              "matchExpressions": [["key": "z", "operator": "DoesNotExist"],
                                                   ["key": "a", "operator": "Exists"],
                                                   ["key": "c", "operator": "NotIn", "values": ["y", "x"]]]]
        XCTAssertEqual(LabelSelectorText.formatted(selector), "a,b=2,c notin (x,y),!z")
        XCTAssertEqual(LabelSelectorText.formatted([:]), "<none>")
    }

    func testColumns() {
        let deployment = TablePrinter.columns(for: "Deployment")
        XCTAssertEqual(deployment.map(\.name), ["Name", "Ready", "Up-to-date", "Available", "Age", "Containers",
                                                "Images", "Selector"])
        XCTAssertEqual(deployment.map(\.priority), [0, 0, 0, 0, 0, 1, 1, 1])
        let rs = TablePrinter.columns(for: "ReplicaSet")
        XCTAssertEqual(rs.map(\.name), ["Name", "Desired", "Current", "Ready", "Age", "Containers", "Images", "Selector"])
        XCTAssertEqual(rs.map(\.type), ["string", "integer", "integer", "integer", "string", "string", "string", "string"])
    }
}
