import XCTest
@testable import KubeAPI

final class TablesMiscKindsTests: XCTestCase {
    typealias F = TablesFixture

    func testSecretsAndConfigMaps() {
        let tls: JSON = ["apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
                         "metadata": F.meta("nginxsecret", age: 30),
                         "data": ["tls.crt": "LS0t", "tls.key": "LS0t"]]
        XCTAssertEqual(F.cells("Secret", tls), ["nginxsecret", "kubernetes.io/tls", .int(2), "30s"])
        XCTAssertEqual(F.cells("Secret", ["metadata": F.meta("empty")]), ["empty", "Opaque", .int(0), "5m"])

        let cm: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": F.meta("nginxconfigmap", age: 90),
                        "data": ["default.conf": "server {}"], "binaryData": ["logo.png": "iVBO"]]
        XCTAssertEqual(F.cells("ConfigMap", cm), ["nginxconfigmap", .int(2), "90s"])
    }

    func testNamespaceServiceAccountLease() {
        XCTAssertEqual(F.texts("Namespace", ["metadata": F.meta("default", age: 86_400 * 3, namespace: nil),
                                             "status": ["phase": "Active"]]), ["default", "Active", "3d"])
        XCTAssertEqual(F.texts("Namespace", ["metadata": F.meta("old", namespace: nil),
                                             "status": ["phase": "Terminating"]])[1], "Terminating")
        XCTAssertEqual(F.cells("ServiceAccount", ["metadata": F.meta("default")]), ["default", .int(0), "5m"])
        XCTAssertEqual(F.cells("ServiceAccount", ["metadata": F.meta("builder"), "secrets": [["name": "builder-token"]]]),
                       ["builder", .int(1), "5m"])
        XCTAssertEqual(F.texts("Lease", ["metadata": F.meta("node-1", namespace: "kube-node-lease"),
                                         "spec": ["holderIdentity": "node-1", "leaseDurationSeconds": 40]]),
                       ["node-1", "node-1", "5m"])
        XCTAssertEqual(F.texts("Lease", ["metadata": F.meta("free"), "spec": [:]])[1], "")
    }

    static func node(ready: String?, unschedulable: Bool = false, labels: [String: String] = [:]) -> JSON {
        var node: JSON = [
            "apiVersion": "v1", "kind": "Node",
            "metadata": F.meta("node-1", age: 86_400 * 10, namespace: nil, labels: labels),
            "status": ["addresses": [["type": "InternalIP", "address": "192.168.1.10"],
                                     ["type": "Hostname", "address": "node-1"]],
                       "nodeInfo": ["kubeletVersion": "v1.32.4", "osImage": "Debian GNU/Linux 13 (trixie)",
                                    "kernelVersion": "6.12.0-1-amd64", "containerRuntimeVersion": "swiftlet://0.1.0"]],
        ]
        if let ready {
            node["status"]["conditions"] = [["type": "MemoryPressure", "status": "False"],
                                            ["type": "Ready", "status": .string(ready)]]
        }
        if unschedulable { node["spec"] = ["unschedulable": true] }
        return node
    }

    func testNode() {
        XCTAssertEqual(F.texts("Node", Self.node(ready: "True")),
                       ["node-1", "Ready", "<none>", "10d", "v1.32.4", "192.168.1.10", "<none>",
                        "Debian GNU/Linux 13 (trixie)", "6.12.0-1-amd64", "swiftlet://0.1.0"])
        XCTAssertEqual(F.texts("Node", Self.node(ready: "False"))[1], "NotReady")
        XCTAssertEqual(F.texts("Node", Self.node(ready: "Unknown"))[1], "NotReady")
        XCTAssertEqual(F.texts("Node", Self.node(ready: nil))[1], "Unknown")
        XCTAssertEqual(F.texts("Node", Self.node(ready: "True", unschedulable: true))[1], "Ready,SchedulingDisabled")

        let roles = Self.node(ready: "True", labels: ["node-role.kubernetes.io/control-plane": "",
                                                      "node-role.kubernetes.io/worker": "",
                                                      "node-role.kubernetes.io/": "", "kubernetes.io/role": "worker"])
        XCTAssertEqual(F.texts("Node", roles)[2], "control-plane,worker")

        let bare: JSON = ["metadata": F.meta("bare", namespace: nil)]
        XCTAssertEqual(F.texts("Node", bare),
                       ["bare", "Unknown", "<none>", "5m", "", "<none>", "<none>", "<unknown>", "<unknown>", "<unknown>"])
        XCTAssertEqual(TablePrinter.columns(for: "Node").map(\.name),
                       ["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image",
                        "Kernel-Version", "Container-Runtime"])
    }

    func testCoreEvent() {
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": F.meta("my-nginx-7d9f8b6c5d-abcde.17c1f2a3b4c5d6e7", age: 200),
            "involvedObject": ["kind": "Pod", "namespace": "default", "name": "my-nginx-7d9f8b6c5d-abcde",
                               "fieldPath": "spec.containers{my-nginx}", "apiVersion": "v1"],
            "reason": "Pulled", "type": "Normal",
            "message": "Container image \"nginx\" already present on machine\n",
            "source": ["component": "kubelet", "host": "node-1"],
            "firstTimestamp": F.ago(200), "lastTimestamp": F.ago(45), "count": 3,
        ]
        XCTAssertEqual(F.cells("Event", event),
                       ["45s", "Normal", "Pulled", "pod/my-nginx-7d9f8b6c5d-abcde", "spec.containers{my-nginx}",
                        "kubelet, node-1", "Container image \"nginx\" already present on machine", "3m20s", .int(3),
                        "my-nginx-7d9f8b6c5d-abcde.17c1f2a3b4c5d6e7"])
    }

    func testCoreEventFallbacks() {
        // No first/last timestamps: eventTime; no count: 1; reportingController when no source.
        let event: JSON = [
            "metadata": F.meta("web.1"), "involvedObject": ["kind": "ReplicaSet", "name": "web-5d4f"],
            "reason": "SuccessfulCreate", "type": "Normal", "message": "Created pod: web-5d4f-xyz",
            "eventTime": .string("2024-05-01T11:59:30.123456Z"), "reportingComponent": "replicaset-controller",
            "reportingController": "replicaset-controller", "reportingInstance": "",
        ]
        XCTAssertEqual(F.cells("Event", event),
                       ["29s", "Normal", "SuccessfulCreate", "replicaset/web-5d4f", "", "replicaset-controller",
                        "Created pod: web-5d4f-xyz", "29s", .int(1), "web.1"])
        let nodeEvent: JSON = ["metadata": F.meta("n.1"), "involvedObject": ["kind": "Node"], "reason": "Starting",
                               "type": "Normal", "message": "", "lastTimestamp": F.ago(10)]
        let cells = F.texts("Event", nodeEvent)
        XCTAssertEqual(cells[0], "10s")
        XCTAssertEqual(cells[3], "node")
        XCTAssertEqual(cells[7], "<unknown>")
    }

    func testEventsAPIEventWithSeries() {
        let event: JSON = [
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": F.meta("crashy.2"),
            "regarding": ["kind": "Pod", "namespace": "default", "name": "crashy", "fieldPath": "spec.containers{app}"],
            "reason": "BackOff", "type": "Warning", "note": "Back-off restarting failed container app",
            "eventTime": F.ago(600), "reportingController": "kubelet", "reportingInstance": "node-1",
            "action": "Restarting",
            "series": ["count": 12, "lastObservedTime": .string(TablesFixture.stamp(F.now.addingTimeInterval(-5)) )],
        ]
        XCTAssertEqual(F.cells("events.k8s.io/Event", event),
                       ["5s", "Warning", "BackOff", "pod/crashy", "spec.containers{app}", "kubelet, node-1",
                        "Back-off restarting failed container app", "10m", .int(12), "crashy.2"])
        XCTAssertEqual(F.cells("Event", event), F.cells("events.k8s.io/Event", event))
        let deprecated: JSON = ["metadata": F.meta("old.1"), "regarding": ["kind": "Pod", "name": "p"],
                                "note": "hello", "deprecatedSource": ["component": "kubelet"],
                                "deprecatedFirstTimestamp": F.ago(100), "deprecatedLastTimestamp": F.ago(20),
                                "deprecatedCount": 4]
        XCTAssertEqual(F.texts("Event", deprecated), ["20s", "", "", "pod/p", "", "kubelet", "hello", "100s", "#4", "old.1"])
    }

    func testEventColumns() {
        let columns = TablePrinter.columns(for: "Event")
        XCTAssertEqual(columns.map(\.name), ["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message",
                                             "First Seen", "Count", "Name"])
        XCTAssertEqual(columns.map(\.priority), [0, 0, 0, 0, 1, 1, 0, 1, 1, 1])
        XCTAssertEqual(columns.last?.format, "name")
    }

    func testUnknownKindGetsNameAndAge() {
        let columns = TablePrinter.columns(for: "Widget")
        XCTAssertEqual(columns.map(\.name), ["Name", "Age"])
        XCTAssertEqual(columns[0].description, ColumnDescription.name)
        XCTAssertTrue(columns[1].description.hasPrefix("CreationTimestamp is a timestamp representing the server time"))
        XCTAssertEqual(F.cells("Widget", ["metadata": F.meta("w", age: 7_200 + 1_800)]), ["w", "150m"])
    }
}
