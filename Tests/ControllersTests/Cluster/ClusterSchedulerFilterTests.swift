import Foundation
import KubeAPI
import XCTest
@testable import Controllers

final class ClusterSchedulerFilterTests: XCTestCase {
    typealias Kit = ClusterTestKit

    func testPodRequestsWithInitContainersAndOverhead() {
        var pod = Kit.pod("p", cpu: "100m", memory: "64Mi")
        pod["spec"]["initContainers"] = [
            ["name": "init", "resources": ["requests": ["cpu": "500m"]]],
            ["name": "sidecar", "restartPolicy": "Always", "resources": ["requests": ["cpu": "50m", "memory": "10Mi"]]],
        ]
        pod["spec"]["overhead"] = ["cpu": "10m"]
        let r = SchedulerPodResources.requests(pod)
        // app 100m + sidecar 50m = 150m; init step 500m wins; plus 10m overhead.
        XCTAssertEqual(r["cpu"], 510)
        XCTAssertEqual(r["memory"], (64 + 10) * 1024 * 1024)
        let defaults = SchedulerPodResources.requests(Kit.pod("q"), nonZeroDefaults: true)
        XCTAssertEqual(defaults["cpu"], 100)
        XCTAssertEqual(defaults["memory"], 200 * 1024 * 1024)
    }

    func testTaintsAndTolerations() {
        let taint = SchedulerTaint(key: "dedicated", value: "gpu", effect: "NoSchedule")
        XCTAssertTrue(taint.isTolerated(by: ["key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"]))
        XCTAssertTrue(taint.isTolerated(by: ["key": "dedicated", "value": "gpu"]))
        XCTAssertTrue(taint.isTolerated(by: ["key": "dedicated", "operator": "Exists"]))
        XCTAssertTrue(taint.isTolerated(by: ["operator": "Exists"]))
        XCTAssertFalse(taint.isTolerated(by: ["key": "dedicated", "value": "cpu"]))
        XCTAssertFalse(taint.isTolerated(by: ["key": "dedicated", "operator": "Exists", "effect": "NoExecute"]))

        // A node whose Ready condition is Unknown counts as tainted unreachable until the node controller says so.
        let down = Kit.node("n", ready: "Unknown")
        XCTAssertEqual(SchedulerFilters.untoleratedTaint([], down), SchedulerTaint(key: NodeTaintKeys.unreachable, effect: "NoSchedule"))
        XCTAssertNil(SchedulerFilters.untoleratedTaint([["key": .string(NodeTaintKeys.unreachable), "operator": "Exists"]], down))
        let failure = SchedulerFilters.check(Kit.pod("p"), on: SchedulerNodeInfo(node: down))
        XCTAssertEqual(failure?.reasons, ["node(s) had untolerated taint {node.kubernetes.io/unreachable: }"])
        // PreferNoSchedule never filters.
        let soft = Kit.node("s", taints: [["key": "k", "effect": "PreferNoSchedule"]])
        XCTAssertNil(SchedulerFilters.check(Kit.pod("p"), on: SchedulerNodeInfo(node: soft)))
    }

    func testCordonToleratedByUnschedulableToleration() {
        let node = Kit.node("n", unschedulable: true)
        XCTAssertEqual(SchedulerFilters.check(Kit.pod("p"), on: SchedulerNodeInfo(node: node))?.reasons, ["node(s) were unschedulable"])
        let tolerant = Kit.pod("p", extraSpec: ["tolerations": [["key": .string(NodeTaintKeys.unschedulable), "operator": "Exists", "effect": "NoSchedule"]]])
        XCTAssertNil(SchedulerFilters.check(tolerant, on: SchedulerNodeInfo(node: node)))
    }

    func testNodeSelectorAndAffinity() {
        let node = Kit.node("node-a", labels: ["disk": "ssd", "cores": "8", "zone": "a"])
        func pod(_ affinity: JSON, selector: [String: String] = [:]) -> JSON {
            var p = Kit.pod("p")
            if !selector.isEmpty { p["spec"]["nodeSelector"] = JSON(selector) }
            if !affinity.isNull {
                p["spec"]["affinity"] = ["nodeAffinity": ["requiredDuringSchedulingIgnoredDuringExecution": ["nodeSelectorTerms": affinity]]]
            }
            return p
        }
        func expr(_ key: String, _ op: String, _ values: [String] = []) -> JSON {
            ["matchExpressions": [["key": .string(key), "operator": .string(op), "values": .array(values.map { .string($0) })]]]
        }
        XCTAssertTrue(NodeAffinityMatching.podMatchesNode(pod(.null, selector: ["disk": "ssd"]), node))
        XCTAssertFalse(NodeAffinityMatching.podMatchesNode(pod(.null, selector: ["disk": "hdd"]), node))
        XCTAssertTrue(NodeAffinityMatching.podMatchesNode(pod([expr("disk", "In", ["ssd", "nvme"])]), node))
        XCTAssertFalse(NodeAffinityMatching.podMatchesNode(pod([expr("disk", "NotIn", ["ssd"])]), node))
        XCTAssertTrue(NodeAffinityMatching.podMatchesNode(pod([expr("gpu", "NotIn", ["x"])]), node))
        XCTAssertTrue(NodeAffinityMatching.podMatchesNode(pod([expr("zone", "Exists")]), node))
        XCTAssertTrue(NodeAffinityMatching.podMatchesNode(pod([expr("gpu", "DoesNotExist")]), node))
        XCTAssertTrue(NodeAffinityMatching.podMatchesNode(pod([expr("cores", "Gt", ["4"])]), node))
        XCTAssertFalse(NodeAffinityMatching.podMatchesNode(pod([expr("cores", "Lt", ["4"])]), node))
        XCTAssertFalse(NodeAffinityMatching.podMatchesNode(pod([expr("zone", "Gt", ["1"])]), node), "non-integer label")
        // Terms are ORed.
        XCTAssertTrue(NodeAffinityMatching.podMatchesNode(pod([expr("disk", "In", ["hdd"]), expr("zone", "In", ["a"])]), node))
        // matchFields on metadata.name.
        let byName: JSON = [["matchFields": [["key": "metadata.name", "operator": "In", "values": ["node-a"]]]]]
        XCTAssertTrue(NodeAffinityMatching.podMatchesNode(pod(byName), node))
        let notName: JSON = [["matchFields": [["key": "metadata.name", "operator": "NotIn", "values": ["node-a"]]]]]
        XCTAssertFalse(NodeAffinityMatching.podMatchesNode(pod(notName), node))
        // An empty term matches nothing.
        XCTAssertFalse(NodeAffinityMatching.podMatchesNode(pod([[:]]), node))
        XCTAssertEqual(SchedulerFilters.check(pod([expr("disk", "In", ["hdd"])]), on: SchedulerNodeInfo(node: node))?.reasons,
                       ["node(s) didn't match Pod's node affinity/selector"])
    }

    func testResourcesPodCountAndPorts() {
        var info = SchedulerNodeInfo(node: Kit.node("n", cpu: "1", memory: "1Gi", pods: 2))
        info.add(Kit.pod("a", node: "n", cpu: "600m", memory: "512Mi", hostPort: 8080))
        XCTAssertNil(SchedulerFilters.check(Kit.pod("b", cpu: "400m", memory: "512Mi"), on: info))
        XCTAssertEqual(SchedulerFilters.check(Kit.pod("b", cpu: "401m", memory: "513Mi"), on: info)?.reasons,
                       ["Insufficient cpu", "Insufficient memory"])
        let ports = SchedulerFilters.check(Kit.pod("b", hostPort: 8080), on: info)
        XCTAssertEqual(ports?.reasons, ["node(s) didn't have free ports for the requested pod ports"])
        XCTAssertEqual(ports?.unresolvable, false)
        XCTAssertNil(SchedulerFilters.check(Kit.pod("b", hostPort: 8081), on: info))
        info.add(Kit.pod("c", node: "n"))
        XCTAssertEqual(SchedulerFilters.check(Kit.pod("d"), on: info)?.reasons, ["Too many pods"])
        // Extended resources are counted like cpu.
        let gpu = Kit.pod("g", extraSpec: ["containers": [["name": "c", "resources": ["requests": ["example.com/gpu": "1"]]]]])
        XCTAssertEqual(SchedulerFilters.check(gpu, on: SchedulerNodeInfo(node: Kit.node("n")))?.reasons, ["Insufficient example.com/gpu"])
    }

    func testFailureMessageFormats() {
        let unresolvable = SchedulerNodeFailure(reasons: ["node(s) were unschedulable"], unresolvable: true)
        XCTAssertEqual(SchedulingFailureMessage.fitError(nodeCount: 1, failures: [unresolvable], pod: Kit.pod("p")),
                       "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.")
        let never = Kit.pod("p", extraSpec: ["preemptionPolicy": "Never"])
        XCTAssertEqual(SchedulingFailureMessage.fitError(nodeCount: 1, failures: [unresolvable], pod: never),
                       "0/1 nodes are available: 1 node(s) were unschedulable. preemption: not eligible due to preemptionPolicy=Never.")
    }

    func testScoringPrefersEmptierNodesAndPreferredAffinity() {
        var busy = SchedulerNodeInfo(node: Kit.node("busy", labels: ["disk": "hdd"]))
        busy.add(Kit.pod("x", node: "busy", cpu: "3", memory: "6Gi"))
        let idle = SchedulerNodeInfo(node: Kit.node("idle", labels: ["disk": "hdd"]))
        let scores = SchedulerScoring.scores(Kit.pod("p"), nodes: [busy, idle], spreadSelectors: [])
        XCTAssertGreaterThan(scores["idle"]!, scores["busy"]!)

        let ssd = SchedulerNodeInfo(node: Kit.node("ssd", labels: ["disk": "ssd"]))
        var pod = Kit.pod("p")
        pod["spec"]["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"] = [
            ["weight": 50, "preference": ["matchExpressions": [["key": "disk", "operator": "In", "values": ["ssd"]]]]],
        ]
        let preferred = SchedulerScoring.scores(pod, nodes: [idle, ssd], spreadSelectors: [])
        XCTAssertGreaterThan(preferred["ssd"]!, preferred["idle"]!)
    }
}
