import XCTest
@testable import KubeAPI

final class TablesTableTests: XCTestCase {
    typealias F = TablesFixture

    func testTableShapeForTutorialPods() throws {
        let pods = [F.nginxPod("my-nginx-7d9f8b6c5d-abcde", ip: "10.244.0.5"),
                    F.nginxPod("my-nginx-7d9f8b6c5d-fghij", ip: "10.244.0.6")]
        let table = TablePrinter.table(for: "Pod", objects: pods, resourceVersion: "110", now: F.now)
        XCTAssertEqual(table["kind"], "Table")
        XCTAssertEqual(table["apiVersion"], "meta.k8s.io/v1")
        XCTAssertEqual(table["metadata"], ["resourceVersion": "110"])
        XCTAssertEqual(table["columnDefinitions"].elements.count, 9)
        XCTAssertEqual(table["columnDefinitions"][5],
                       ["name": "IP", "type": "string", "format": "", "priority": 1,
                        "description": .string(ColumnDescription.podIP)])
        let rows = table["rows"].elements
        XCTAssertEqual(rows.count, 2)
        XCTAssertEqual(rows[1]["cells"], ["my-nginx-7d9f8b6c5d-fghij", "1/1", "Running", "0", "5m", "10.244.0.6",
                                          "node-1", "<none>", "<none>"])
        let object = rows[0]["object"]
        XCTAssertEqual(object["kind"], "PartialObjectMetadata")
        XCTAssertEqual(object["apiVersion"], "meta.k8s.io/v1")
        XCTAssertEqual(object["metadata"], pods[0]["metadata"])
        XCTAssertEqual(object["metadata"]["namespace"], "default")
        XCTAssertTrue(rows[0]["conditions"].isNull)
    }

    func testWatchTableWithoutColumnsAndEmptyList() throws {
        let table = TablePrinter.table(for: "Service", objects: [], resourceVersion: "7", now: F.now,
                                       includeColumns: false)
        guard case .object(let members) = table else { return XCTFail("table is not an object") }
        XCTAssertEqual(members["columnDefinitions"], .null)
        XCTAssertNotNil(members["columnDefinitions"], "columnDefinitions is sent as null")
        XCTAssertEqual(members["rows"], .array([]))
    }

    func testFinishedPodRowsCarryCompletedCondition() {
        let done: JSON = ["metadata": F.meta("job-1"), "spec": ["containers": [["name": "c", "image": "x"]]],
                          "status": ["phase": "Succeeded"]]
        let failed: JSON = ["metadata": F.meta("job-2"), "spec": ["containers": [["name": "c", "image": "x"]]],
                            "status": ["phase": "Failed"]]
        let rows = TablePrinter.table(for: "Pod", objects: [done, failed], resourceVersion: "1", now: F.now)["rows"]
        XCTAssertEqual(rows[0]["conditions"], [["type": "Completed", "status": "True", "reason": "Succeeded",
                                                "message": "The pod has completed successfully."]])
        XCTAssertEqual(rows[1]["conditions"][0]["reason"], "Failed")
        XCTAssertEqual(rows[1]["conditions"][0]["message"], "The pod failed.")
    }

    func testObjectWithoutMetadataStillHasAMetadataObject() {
        let rows = TablePrinter.table(for: "Widget", objects: [["kind": "Widget"]], resourceVersion: "1", now: F.now)["rows"]
        XCTAssertEqual(rows[0]["object"]["metadata"], .emptyObject)
        XCTAssertEqual(rows[0]["cells"], ["", "<unknown>"])
    }

    func testColumnDefinitionsMatchColumnsAndCellCounts() {
        let samples: [String: JSON] = [
            "Pod": F.nginxPod("p", ip: "10.0.0.1"), "Service": ["metadata": F.meta("s")],
            "Endpoints": ["metadata": F.meta("e")], "EndpointSlice": ["metadata": F.meta("es")],
            "Deployment": ["metadata": F.meta("d")], "ReplicaSet": ["metadata": F.meta("r")],
            "Secret": ["metadata": F.meta("s")], "ConfigMap": ["metadata": F.meta("c")],
            "Node": ["metadata": F.meta("n")], "Namespace": ["metadata": F.meta("ns")],
            "ServiceAccount": ["metadata": F.meta("sa")], "Lease": ["metadata": F.meta("l")],
            "Event": ["metadata": F.meta("ev")], "Widget": ["metadata": F.meta("w")],
        ]
        for (kind, object) in samples {
            let columns = TablePrinter.columns(for: kind)
            XCTAssertEqual(TablePrinter.cells(for: kind, object: object, now: F.now).count, columns.count, kind)
            XCTAssertEqual(TablePrinter.columnDefinitions(for: kind), .array(columns.map(\.json)), kind)
            XCTAssertEqual(columns.filter { $0.format == "name" }.count, 1, kind)
            for column in columns {
                XCTAssertFalse(column.description.isEmpty, "\(kind) \(column.name)")
            }
        }
    }

    func testThousandPodsAreFast() {
        let pods = (0..<1000).map { F.nginxPod("my-nginx-\($0)", ip: "10.244.\($0 / 250).\($0 % 250)", age: $0 * 7) }
        let start = Date()
        let table = TablePrinter.table(for: "Pod", objects: pods, resourceVersion: "9", now: F.now)
        let elapsed = Date().timeIntervalSince(start)
        XCTAssertEqual(table["rows"].elements.count, 1000)
        XCTAssertLessThan(elapsed, 1.0, "1000 pod rows took \(elapsed)s")
    }
}
