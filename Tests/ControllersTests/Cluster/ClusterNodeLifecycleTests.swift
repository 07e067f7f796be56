import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import XCTest
@testable import Controllers

final class ClusterNodeLifecycleTests: XCTestCase {
    typealias Kit = ClusterTestKit

    struct Setup {
        let client: MemoryClient
        let clock: Kit.Clock
        let controller: NodeLifecycleController
        let task: Task<Void, Never>
    }

    func start(_ client: MemoryClient) -> Setup {
        start(client) { NodeLifecycleController(context: $0, gracePeriod: 40, startupGracePeriod: 60, monitorPeriod: 0.02) }
    }

    func start(_ client: MemoryClient, _ make: (ControllerContext) -> NodeLifecycleController) -> Setup {
        let clock = Kit.Clock()
        let context = ControllerContext(client: client, now: { clock.now })
        let controller = make(context)
        return Setup(client: client, clock: clock, controller: controller, task: Kit.start(context, [controller]))
    }

    func readyPod(_ name: String, node: String) -> JSON {
        var p = Kit.pod(name, node: node)
        p["status"]["conditions"] = [["type": "Ready", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"],
                                     ["type": "PodScheduled", "status": "True", "lastTransitionTime": "2026-01-01T00:00:00Z"]]
        return p
    }

    func condition(_ obj: JSON, _ type: String) -> JSON? {
        obj["status"]["conditions"].elements.first { $0["type"].string == type }
    }

    func readyStatus(_ client: MemoryClient, node: String = "n1") async throws -> String? {
        condition(try await client.get(.nodes, namespace: nil, name: node), "Ready")?["status"].string
    }

    func podReadyStatus(_ client: MemoryClient, _ pod: String = "web") async throws -> String? {
        condition(try await client.get(.pods, namespace: "default", name: pod), "Ready")?["status"].string
    }

    func taints(_ client: MemoryClient, _ node: String) async throws -> [String] {
        try await client.get(.nodes, namespace: nil, name: node)["spec"]["taints"].elements
            .map { "\($0["key"].string ?? ""):\($0["effect"].string ?? "")" }.sorted()
    }

    func lease(_ node: String, renew: String) -> JSON {
        ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
         "metadata": ["name": .string(node), "namespace": "kube-node-lease"],
         "spec": ["holderIdentity": .string(node), "leaseDurationSeconds": 40, "renewTime": .string(renew)]]
    }

    func waitForProbe(_ s: Setup, _ node: String) async -> Bool {
        await Kit.eventually { s.controller.lastProbe(node) != nil }
    }

    func testSilentNodeBecomesUnknownAndItsPodsNotReady() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("n1"))
        client.seed(.pods, readyPod("web", node: "n1"))
        let s = start(client)
        defer { s.task.cancel() }
        let registered = await Kit.eventually {
            try await Kit.events(client, reason: "RegisteredNode").first?["message"].string == "Node n1 event: Registered Node n1 in Controller"
        }
        XCTAssertTrue(registered)
        let probedN1 = await waitForProbe(s, "n1")
        XCTAssertTrue(probedN1)

        s.clock.advance(30)
        try await Task.sleep(for: .milliseconds(100))
        let stillReady = try await client.get(.nodes, namespace: nil, name: "n1")
        XCTAssertEqual(condition(stillReady, "Ready")?["status"].string, "True", "within the grace period")

        s.clock.advance(11)
        let unknown = await Kit.eventually { try await self.readyStatus(client) == "Unknown" }
        XCTAssertTrue(unknown)
        let node = try await client.get(.nodes, namespace: nil, name: "n1")
        let ready = condition(node, "Ready")
        XCTAssertEqual(ready?["reason"].string, "NodeStatusUnknown")
        XCTAssertEqual(ready?["message"].string, "Kubelet stopped posting node status.")
        XCTAssertEqual(ready?["lastHeartbeatTime"].string, "2026-01-01T00:00:00Z", "the heartbeat stays the kubelet's")
        XCTAssertEqual(ready?["lastTransitionTime"].string, "2026-01-01T00:00:41Z")
        XCTAssertEqual(condition(node, "MemoryPressure")?["status"].string, "Unknown")
        XCTAssertEqual(condition(node, "DiskPressure")?["reason"].string, "NodeStatusNeverUpdated")
        XCTAssertEqual(condition(node, "DiskPressure")?["message"].string, "Kubelet never posted node status.")

        let podNotReady = await Kit.eventually { try await self.podReadyStatus(client) == "False" }
        XCTAssertTrue(podNotReady)
        let nodeEvent = try await Kit.events(client, reason: "NodeNotReady").first { $0["involvedObject"]["kind"].string == "Node" }
        XCTAssertEqual(nodeEvent?["message"].string, "Node n1 status is now: NodeNotReady")
        XCTAssertEqual(nodeEvent?["source"]["component"].string, "node-controller")
        let podEvent = await Kit.eventually {
            try await Kit.events(client, reason: "NodeNotReady").contains {
                $0["involvedObject"]["kind"].string == "Pod" && $0["message"].string == "Node is not ready" && $0["type"].string == "Warning"
            }
        }
        XCTAssertTrue(podEvent)

        let tainted = await Kit.eventually { try await self.taints(client, "n1") == ["node.kubernetes.io/unreachable:NoSchedule"] }
        XCTAssertTrue(tainted, "the only node being down is a full disruption: no NoExecute taint")

        // The kubelet comes back: the taint goes.
        var back = try await client.get(.nodes, namespace: nil, name: "n1")
        back["status"]["conditions"] = Kit.node("n1", heartbeat: "2026-01-01T00:00:50Z")["status"]["conditions"]
        _ = try await client.update(.nodes, back, subresource: "status", fieldManager: "kubelet")
        let untainted = await Kit.eventually { try await self.taints(client, "n1").isEmpty }
        XCTAssertTrue(untainted)
    }

    /// Without --node-monitor-grace-period a node has 40 s: still Ready after 39 s of silence, NotReady (Unknown)
    /// with its pods not ready after 41 s.
    func testDefaultGracePeriodIsFortySeconds() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("n1"))
        client.seed(.pods, readyPod("web", node: "n1"))
        let s = start(client) { NodeLifecycleController(context: $0, monitorPeriod: 0.02) }
        defer { s.task.cancel() }
        let probed = await waitForProbe(s, "n1")
        XCTAssertTrue(probed)

        s.clock.advance(39)
        try await Task.sleep(for: .milliseconds(150))
        let stillReady = try await readyStatus(client)
        XCTAssertEqual(stillReady, "True", "39 s is within the default grace")
        let podStillReady = try await podReadyStatus(client)
        XCTAssertEqual(podStillReady, "True")

        s.clock.advance(2)
        let unknown = await Kit.eventually { try await self.readyStatus(client) == "Unknown" }
        XCTAssertTrue(unknown, "41 s without a heartbeat is past the default grace")
        let podNotReady = await Kit.eventually { try await self.podReadyStatus(client) == "False" }
        XCTAssertTrue(podNotReady)
    }

    func testLeaseRenewalKeepsNodeAlive() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("n1"))
        client.seed(.leases, lease("n1", renew: "2026-01-01T00:00:00.000000Z"))
        let s = start(client)
        defer { s.task.cancel() }
        let probedN1 = await waitForProbe(s, "n1")
        XCTAssertTrue(probedN1)
        let first = s.controller.lastProbe("n1")!

        s.clock.advance(30)
        client.seed(.leases, lease("n1", renew: "2026-01-01T00:00:30.123456Z"))
        let renewed = await Kit.eventually { s.controller.lastProbe("n1")! > first }
        XCTAssertTrue(renewed)
        s.clock.advance(30)
        try await Task.sleep(for: .milliseconds(100))
        let node = try await client.get(.nodes, namespace: nil, name: "n1")
        XCTAssertEqual(condition(node, "Ready")?["status"].string, "True")

        s.clock.advance(11)
        let unknown = await Kit.eventually { try await self.readyStatus(client) == "Unknown" }
        XCTAssertTrue(unknown, "41 s after the last renewal the node is Unknown")
    }

    func testUnreachableNodeGetsNoExecuteTaintWhenOthersAreHealthy() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("n1"))
        client.seed(.nodes, Kit.node("n2"))
        client.seed(.leases, lease("n2", renew: "2026-01-01T00:00:00.000000Z"))
        let s = start(client)
        defer { s.task.cancel() }
        let probedN1 = await waitForProbe(s, "n1")
        XCTAssertTrue(probedN1)
        let probedN2 = await waitForProbe(s, "n2")
        XCTAssertTrue(probedN2)

        // n2 keeps renewing its lease; n1 goes silent.
        for step in 1...5 {
            s.clock.advance(10)
            client.seed(.leases, lease("n2", renew: "2026-01-01T00:00:\(step * 10).000000Z"))
            let seen = await Kit.eventually { s.controller.lastProbe("n2") == s.clock.now }
            XCTAssertTrue(seen)
        }
        let tainted = await Kit.eventually {
            try await self.taints(client, "n1") == ["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]
        }
        let n1Taints = try await taints(client, "n1")
        XCTAssertTrue(tainted, "\(n1Taints)")
        let healthy = try await taints(client, "n2")
        XCTAssertEqual(healthy, [])
        let n1 = try await client.get(.nodes, namespace: nil, name: "n1")
        XCTAssertNotNil(n1["spec"]["taints"][0]["timeAdded"].string)
    }

    func testConditionAndCordonTaints() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("n1", ready: "False"))
        client.seed(.nodes, Kit.node("n2", unschedulable: true))
        let s = start(client)
        defer { s.task.cancel() }
        let notReady = await Kit.eventually { try await self.taints(client, "n1").contains("node.kubernetes.io/not-ready:NoSchedule") }
        XCTAssertTrue(notReady)
        let cordoned = await Kit.eventually { try await self.taints(client, "n2") == ["node.kubernetes.io/unschedulable:NoSchedule"] }
        XCTAssertTrue(cordoned)

        var n2 = try await client.get(.nodes, namespace: nil, name: "n2")
        n2["spec"]["unschedulable"] = .null
        _ = try await client.update(.nodes, n2, subresource: nil, fieldManager: "kubectl")
        let uncordoned = await Kit.eventually { try await self.taints(client, "n2").isEmpty }
        XCTAssertTrue(uncordoned)
    }

    func testNodeThatNeverReportedUsesStartupGrace() async throws {
        let client = MemoryClient()
        var node = Kit.node("fresh")
        node["status"]["conditions"] = .null
        node["metadata"]["creationTimestamp"] = "2026-01-01T00:00:00Z"
        client.seed(.nodes, node)
        let s = start(client)
        defer { s.task.cancel() }
        let probed = await waitForProbe(s, "fresh")
        XCTAssertTrue(probed)
        s.clock.advance(50)
        try await Task.sleep(for: .milliseconds(100))
        let early = try await client.get(.nodes, namespace: nil, name: "fresh")
        XCTAssertNil(condition(early, "Ready"))
        s.clock.advance(11)
        let unknown = await Kit.eventually {
            self.condition(try await client.get(.nodes, namespace: nil, name: "fresh"), "Ready")?["reason"].string == "NodeStatusNeverUpdated"
        }
        XCTAssertTrue(unknown)
    }
}
