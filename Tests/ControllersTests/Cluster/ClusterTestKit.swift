import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import Synchronization
import XCTest
@testable import Controllers

/// Shared helpers of the Cluster controller tests (names prefixed so other areas' tests cannot clash).
enum ClusterTestKit {
    /// A clock the test moves by hand.
    final class Clock: Sendable {
        private let current = Mutex(Date(timeIntervalSince1970: 1_767_225_600))  // 2026-01-01T00:00:00Z
        var now: Date { current.withLock { $0 } }
        func advance(_ seconds: Double) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` seconds pass.
    static func eventually(timeout: Double = 5, _ condition: () async throws -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if (try? await condition()) == true { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return (try? await condition()) == true
    }

    static func start(_ context: ControllerContext, _ controllers: [any Controller]) -> Task<Void, Never> {
        Task { await ControllerManager.run(context, controllers) }
    }

    static func node(_ name: String, ready: String = "True", cpu: String = "4", memory: String = "8Gi", pods: Int64 = 110,
                     labels: [String: String] = [:], taints: [JSON] = [], unschedulable: Bool = false,
                     heartbeat: String = "2026-01-01T00:00:00Z") -> JSON {
        var n: JSON = [
            "apiVersion": "v1", "kind": "Node",
            "metadata": ["name": .string(name), "labels": JSON(labels.merging(["kubernetes.io/hostname": name]) { a, _ in a })],
            "spec": [:],
            "status": [
                "allocatable": ["cpu": .string(cpu), "memory": .string(memory), "pods": .string(String(pods))],
                "capacity": ["cpu": .string(cpu), "memory": .string(memory), "pods": .string(String(pods))],
                "conditions": [
                    ["type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
                     "lastHeartbeatTime": .string(heartbeat), "lastTransitionTime": "2026-01-01T00:00:00Z"],
                    ["type": "Ready", "status": .string(ready), "reason": "KubeletReady",
                     "message": "kubelet is posting ready status",
                     "lastHeartbeatTime": .string(heartbeat), "lastTransitionTime": "2026-01-01T00:00:00Z"],
                ],
            ],
        ]
        if !taints.isEmpty { n["spec"]["taints"] = .array(taints) }
        if unschedulable { n["spec"]["unschedulable"] = true }
        return n
    }

    static func pod(_ name: String, namespace: String = "default", node: String? = nil, labels: [String: String] = [:],
                    cpu: String? = nil, memory: String? = nil, hostPort: Int64? = nil, extraSpec: [String: JSON] = [:]) -> JSON {
        var container: JSON = ["name": "c", "image": "nginx"]
        if let cpu { container["resources"]["requests"]["cpu"] = .string(cpu) }
        if let memory { container["resources"]["requests"]["memory"] = .string(memory) }
        if let hostPort { container["ports"] = [["containerPort": 80, "hostPort": .int(hostPort), "protocol": "TCP"]] }
        var p: JSON = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": JSON(labels)],
            "spec": ["containers": [container], "schedulerName": "default-scheduler"],
            "status": ["phase": "Pending"],
        ]
        if let node { p["spec"]["nodeName"] = .string(node); p["status"]["phase"] = "Running" }
        for (k, v) in extraSpec { p["spec"][k] = v }
        return p
    }

    static func events(_ client: MemoryClient, reason: String) async throws -> [JSON] {
        try await client.list(.events, namespace: nil, options: ListOptions()).items.filter { $0["reason"].string == reason }
    }
}
