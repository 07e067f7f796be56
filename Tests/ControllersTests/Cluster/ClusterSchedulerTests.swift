import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import XCTest
@testable import Controllers

final class ClusterSchedulerTests: XCTestCase {
    typealias Kit = ClusterTestKit

    /// A scheduler on the memory client, which answers pods/binding as the API server does.
    func makeScheduler(_ client: MemoryClient, retry: Double = 300) -> (ControllerContext, Scheduler) {
        let context = ControllerContext(client: client)
        return (context, Scheduler(context: context, unschedulableRetryInterval: retry))
    }

    /// Where the pods of the default namespace went, once every one is bound (nil until then).
    func placements(_ client: MemoryClient) async -> [String: String]? {
        let bound = await Kit.eventually {
            try await client.list(.pods, namespace: "default", options: ListOptions()).items
                .allSatisfy { !($0["spec"]["nodeName"].string ?? "").isEmpty }
        }
        guard bound, let pods = try? await client.list(.pods, namespace: "default", options: ListOptions()).items else { return nil }
        return Dictionary(uniqueKeysWithValues: pods.map { ($0.name ?? "", $0["spec"]["nodeName"].string ?? "") })
    }

    func nodeName(_ client: MemoryClient, _ pod: String, _ ns: String = "default") async throws -> String? {
        try await client.get(.pods, namespace: ns, name: pod)["spec"]["nodeName"].string
    }

    func testBindsPendingPodAndRecordsScheduledEvent() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("node-a"))
        client.seed(.pods, Kit.pod("web"))
        let (context, scheduler) = makeScheduler(client)
        let task = Kit.start(context, [scheduler])
        defer { task.cancel() }

        let bound = await Kit.eventually { try await self.nodeName(client, "web") == "node-a" }
        XCTAssertTrue(bound)
        // Placed through pods/binding, as kube-scheduler does, never by writing the pod itself.
        XCTAssertEqual(client.actions.filter { $0.hasSuffix("pods default/web") }, ["bind pods default/web"])
        let pod = try await client.get(.pods, namespace: "default", name: "web")
        XCTAssertEqual(pod["status"]["conditions"].elements.first { $0["type"].string == "PodScheduled" }?["status"].string, "True")
        let scheduled = await Kit.eventually { try await !Kit.events(client, reason: "Scheduled").isEmpty }
        XCTAssertTrue(scheduled)
        let event = try await Kit.events(client, reason: "Scheduled").first
        XCTAssertEqual(event?["message"].string, "Successfully assigned default/web to node-a")
        XCTAssertEqual(event?["source"]["component"].string, "default-scheduler")
        XCTAssertEqual(event?["involvedObject"]["kind"].string, "Pod")
    }

    func testCordonedNodeGivesKubernetesMessageAndRetriesOnUncordon() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("node-a", unschedulable: true))
        client.seed(.pods, Kit.pod("web"))
        let (context, scheduler) = makeScheduler(client)
        let task = Kit.start(context, [scheduler])
        defer { task.cancel() }

        let expected = "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: "
            + "1 Preemption is not helpful for scheduling."
        let failed = await Kit.eventually { try await Kit.events(client, reason: "FailedScheduling").first?["message"].string == expected }
        XCTAssertTrue(failed)
        let conditioned = await Kit.eventually {
            let c = try await client.get(.pods, namespace: "default", name: "web")["status"]["conditions"].elements
                .first { $0["type"].string == "PodScheduled" }
            return c?["status"].string == "False" && c?["reason"].string == "Unschedulable" && c?["message"].string == expected
        }
        XCTAssertTrue(conditioned)
        let event = try await Kit.events(client, reason: "FailedScheduling").first
        XCTAssertEqual(event?["type"].string, "Warning")

        var node = try await client.get(.nodes, namespace: nil, name: "node-a")
        node["spec"]["unschedulable"] = .null
        _ = try await client.update(.nodes, node, subresource: nil, fieldManager: "test")
        let bound = await Kit.eventually { try await self.nodeName(client, "web") == "node-a" }
        XCTAssertTrue(bound)
    }

    func testFailureMessageCountsReasonsAcrossNodes() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("gpu", taints: [["key": "dedicated", "value": "gpu", "effect": "NoSchedule"]]))
        client.seed(.nodes, Kit.node("small-1", cpu: "1"))
        client.seed(.nodes, Kit.node("small-2", cpu: "500m"))
        client.seed(.pods, Kit.pod("big", cpu: "1500m"))
        let (context, scheduler) = makeScheduler(client)
        let task = Kit.start(context, [scheduler])
        defer { task.cancel() }

        let expected = "0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, 2 Insufficient cpu. "
            + "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
            + "2 No preemption victims found for incoming pod."
        let failed = await Kit.eventually { try await Kit.events(client, reason: "FailedScheduling").first?["message"].string == expected }
        let got = try await Kit.events(client, reason: "FailedScheduling").first?["message"].string
        XCTAssertTrue(failed, got ?? "none")
    }

    func testNoNodes() async throws {
        let client = MemoryClient()
        client.seed(.pods, Kit.pod("web"))
        let (context, scheduler) = makeScheduler(client)
        let task = Kit.start(context, [scheduler])
        defer { task.cancel() }
        let failed = await Kit.eventually {
            try await Kit.events(client, reason: "FailedScheduling").first?["message"].string == "no nodes available to schedule pods"
        }
        XCTAssertTrue(failed)
        // A node joining makes the pod schedulable.
        client.seed(.nodes, Kit.node("late"))
        let bound = await Kit.eventually { try await self.nodeName(client, "web") == "late" }
        XCTAssertTrue(bound)
    }

    func testResourcesOfBoundPodsAreHeldAndFreedOnDeletion() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("node-a", cpu: "1", memory: "1Gi"))
        client.seed(.pods, Kit.pod("existing", node: "node-a", memory: "768Mi"))
        client.seed(.pods, Kit.pod("new", memory: "512Mi"))
        let (context, scheduler) = makeScheduler(client)
        let task = Kit.start(context, [scheduler])
        defer { task.cancel() }

        let failed = await Kit.eventually {
            try await Kit.events(client, reason: "FailedScheduling").first?["message"].string?.hasPrefix(
                "0/1 nodes are available: 1 Insufficient memory.") == true
        }
        XCTAssertTrue(failed)
        try await client.delete(.pods, namespace: "default", name: "existing", options: [:])
        let bound = await Kit.eventually(timeout: 8) { try await self.nodeName(client, "new") == "node-a" }
        XCTAssertTrue(bound)
    }

    /// Node "big" has 16 times node "small"'s room, so the resource scores alone would put every pod there
    /// (see testResourceScoresAlonePreferTheBiggerNode); only the spread score sends half of them to "small".
    func testSpreadsReplicaSetPodsAcrossNodes() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("big", cpu: "64", memory: "128Gi"))
        client.seed(.nodes, Kit.node("small"))
        client.seed(.replicaSets, ["apiVersion": "apps/v1", "kind": "ReplicaSet",
                                   "metadata": ["name": "web", "namespace": "default"],
                                   "spec": ["selector": ["matchLabels": ["app": "web"]]]])
        for i in 0..<6 { client.seed(.pods, Kit.pod("web-\(i)", labels: ["app": "web"])) }
        let (context, scheduler) = makeScheduler(client)
        let task = Kit.start(context, [scheduler])
        defer { task.cancel() }

        let placed = await placements(client)
        XCTAssertEqual(placed?.values.filter { $0 == "small" }.count, 3, "pods of one ReplicaSet spread evenly")
    }

    /// The counterpart of the spread tests: without a selector to spread by, the emptier node wins every time.
    func testResourceScoresAlonePreferTheBiggerNode() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("big", cpu: "64", memory: "128Gi"))
        client.seed(.nodes, Kit.node("small"))
        for i in 0..<6 { client.seed(.pods, Kit.pod("web-\(i)", labels: ["app": "web"])) }
        let (context, scheduler) = makeScheduler(client)
        let task = Kit.start(context, [scheduler])
        defer { task.cancel() }

        let placed = await placements(client)
        XCTAssertEqual(placed.map { Set($0.values) }, ["big"])
    }

    /// "busy" already runs two pods of Service web; "loaded" runs an unrelated pod holding half its cpu and
    /// memory. The resource scores prefer "busy" (92 against 47); the Service's spread must win (weight 2 × 100).
    func testSpreadsServicePodsAwayFromNodesRunningThem() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("busy"))
        client.seed(.nodes, Kit.node("loaded"))
        client.seed(.services, ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web", "namespace": "default"],
                                "spec": ["selector": ["app": "web"], "ports": [["port": 80]]]])
        client.seed(.pods, Kit.pod("web-old-1", node: "busy", labels: ["app": "web"]))
        client.seed(.pods, Kit.pod("web-old-2", node: "busy", labels: ["app": "web"]))
        client.seed(.pods, Kit.pod("batch", node: "loaded", cpu: "2", memory: "4Gi"))
        client.seed(.pods, Kit.pod("web-new", labels: ["app": "web"]))
        let (context, scheduler) = makeScheduler(client)
        let task = Kit.start(context, [scheduler])
        defer { task.cancel() }

        let bound = await Kit.eventually { try await self.nodeName(client, "web-new") != nil }
        XCTAssertTrue(bound)
        let node = try await nodeName(client, "web-new")
        XCTAssertEqual(node, "loaded")
    }

    func testSpreadScoreCountsMatchingPodsPerNode() throws {
        var busy = SchedulerNodeInfo(node: Kit.node("busy"))
        var some = SchedulerNodeInfo(node: Kit.node("some"))
        let idle = SchedulerNodeInfo(node: Kit.node("idle"))
        for i in 0..<4 { busy.add(Kit.pod("web-\(i)", node: "busy", labels: ["app": "web", "tier": "front"])) }
        some.add(Kit.pod("web-9", node: "some", labels: ["app": "web", "tier": "front"]))
        // Neither counts: another namespace, and a pod on its way out.
        some.add(Kit.pod("web-x", namespace: "other", node: "some", labels: ["app": "web", "tier": "front"]))
        var leaving = Kit.pod("web-y", node: "some", labels: ["app": "web", "tier": "front"])
        leaving["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        some.add(leaving)
        // Matches one selector only: the selectors of a pod's Services and ReplicaSets count together (ANDed).
        some.add(Kit.pod("web-back", node: "some", labels: ["app": "web", "tier": "back"]))
        let pod = Kit.pod("web-new", labels: ["app": "web", "tier": "front"])
        let selectors = [LabelSelector(matchLabels: ["app": "web"]), LabelSelector(matchLabels: ["tier": "front"])]

        let scores = SchedulerScoring.spread(pod, nodes: [busy, some, idle], selectors: selectors)
        XCTAssertEqual(scores, ["busy": 0, "some": 75, "idle": 100])
        XCTAssertEqual(SchedulerScoring.spread(pod, nodes: [busy, some, idle], selectors: []), [:], "nothing to spread by")
    }

    func testSkipsPodsThatAreNotOurs() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("node-a"))
        client.seed(.pods, Kit.pod("other", extraSpec: ["schedulerName": "my-scheduler"]))
        client.seed(.pods, Kit.pod("gated", extraSpec: ["schedulingGates": [["name": "example.com/wait"]]]))
        var deleting = Kit.pod("deleting")
        deleting["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        client.seed(.pods, deleting)
        client.seed(.pods, Kit.pod("mine"))
        let (context, scheduler) = makeScheduler(client)
        let task = Kit.start(context, [scheduler])
        defer { task.cancel() }

        let bound = await Kit.eventually { try await self.nodeName(client, "mine") == "node-a" }
        XCTAssertTrue(bound)
        try await Task.sleep(for: .milliseconds(100))
        for name in ["other", "gated", "deleting"] {
            let n = try await nodeName(client, name)
            XCTAssertNil(n, name)
        }
        // Removing the gate lets the scheduler place the pod.
        var gated = try await client.get(.pods, namespace: "default", name: "gated")
        gated["spec"]["schedulingGates"] = .null
        _ = try await client.update(.pods, gated, subresource: nil, fieldManager: "test")
        let ungated = await Kit.eventually { try await self.nodeName(client, "gated") == "node-a" }
        XCTAssertTrue(ungated)
    }

    func testPeriodicRetryOfUnschedulablePods() async throws {
        let client = MemoryClient()
        client.seed(.nodes, Kit.node("node-a", cpu: "1"))
        client.seed(.pods, Kit.pod("big", cpu: "2"))
        let (context, scheduler) = makeScheduler(client, retry: 0.2)
        let task = Kit.start(context, [scheduler])
        defer { task.cancel() }
        let retried = await Kit.eventually {
            try await Kit.events(client, reason: "FailedScheduling").first?["count"].int ?? 0 >= 2
        }
        XCTAssertTrue(retried, "the same failure is recorded again (count bumped) after the retry interval")
    }
}
