import Foundation
@testable import KubeAPI

/// Shared clock and object builders for the Tables tests.
enum TablesFixture {
    static let now = Date(timeIntervalSince1970: 1_714_564_800)  // 2024-05-01T12:00:00Z

    /// An RFC 3339 timestamp `seconds` before `now`.
    static func ago(_ seconds: Int) -> JSON {
        .string(stamp(now.addingTimeInterval(-Double(seconds))))
    }

    static func stamp(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime]
        return f.string(from: date)
    }

    static func meta(_ name: String, age: Int = 300, namespace: String? = "default",
                     labels: [String: String] = [:]) -> JSON {
        var m: JSON = ["name": .string(name), "uid": "0b7f3c1e-1111-2222-3333-444455556666",
                       "resourceVersion": "42", "creationTimestamp": ago(age)]
        if let namespace { m["namespace"] = .string(namespace) }
        if !labels.isEmpty { m["labels"] = JSON(labels) }
        return m
    }

    /// A running, ready nginx pod of the tutorial's my-nginx Deployment.
    static func nginxPod(_ name: String, ip: String, age: Int = 300) -> JSON {
        [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": meta(name, age: age, labels: ["run": "my-nginx", "pod-template-hash": "7d9f8b6c5d"]),
            "spec": ["nodeName": "node-1",
                     "containers": [["name": "my-nginx", "image": "nginx", "ports": [["containerPort": 80]]]]],
            "status": [
                "phase": "Running", "podIP": .string(ip), "podIPs": [["ip": .string(ip)]],
                "conditions": [["type": "Initialized", "status": "True"], ["type": "Ready", "status": "True"],
                               ["type": "ContainersReady", "status": "True"], ["type": "PodScheduled", "status": "True"]],
                "containerStatuses": [["name": "my-nginx", "ready": true, "started": true, "restartCount": 0,
                                       "image": "nginx", "state": ["running": ["startedAt": ago(age - 2)]]]],
            ],
        ]
    }

    static func cells(_ kind: String, _ object: JSON) -> [JSON] {
        TablePrinter.cells(for: kind, object: object, now: now)
    }

    /// The cells as strings, numbers rendered in decimal, for compact assertions.
    static func texts(_ kind: String, _ object: JSON) -> [String] {
        cells(kind, object).map { cell in
            if let s = cell.string { return s }
            if let i = cell.int { return "#\(i)" }
            return "?\(cell)"
        }
    }
}
