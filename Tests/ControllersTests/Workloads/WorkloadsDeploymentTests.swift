import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import XCTest
@testable import Controllers

final class WorkloadsDeploymentTests: XCTestCase {
    func testDeploymentCreatesHashNamedReplicaSetAndPodsThenBecomesAvailable() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        let d = h.client.seed(.deployments, WorkloadsFixtures.deployment())
        let hash = PodTemplateHash.compute(d["spec"]["template"])

        try await eventually("two pods exist") { try await h.pods().count == 2 }
        let rss = try await h.replicaSets()
        XCTAssertEqual(rss.count, 1)
        let rs = try XCTUnwrap(rss.first)
        XCTAssertEqual(rs.name, "web-\(hash)")
        XCTAssertEqual(rs.labels, ["app": "web", "pod-template-hash": hash])
        XCTAssertEqual(rs["spec"]["selector"]["matchLabels"].stringMap, ["app": "web", "pod-template-hash": hash])
        XCTAssertEqual(rs["spec"]["template"]["metadata"]["labels"].stringMap, ["app": "web", "pod-template-hash": hash])
        XCTAssertEqual(rs.annotations["deployment.kubernetes.io/revision"], "1")
        XCTAssertEqual(rs.annotations["deployment.kubernetes.io/desired-replicas"], "2")
        XCTAssertEqual(rs.annotations["deployment.kubernetes.io/max-replicas"], "3")
        let rsRef = try XCTUnwrap(Ownership.controllerRef(rs))
        XCTAssertEqual(rsRef["kind"], "Deployment")
        XCTAssertEqual(rsRef["uid"].string, d.uid)
        XCTAssertEqual(rsRef["blockOwnerDeletion"], true)

        for pod in try await h.pods() {
            let name = try XCTUnwrap(pod.name)
            XCTAssertTrue(name.hasPrefix("web-\(hash)-"), name)
            let suffix = name.dropFirst("web-\(hash)-".count)
            XCTAssertEqual(suffix.count, 5)
            XCTAssertTrue(suffix.allSatisfy { PodNames.alphabet.contains($0) }, name)
            XCTAssertEqual(pod["metadata"]["generateName"].string, "web-\(hash)-")
            XCTAssertEqual(pod.labels, ["app": "web", "pod-template-hash": hash])
            let ref = try XCTUnwrap(Ownership.controllerRef(pod))
            XCTAssertEqual(ref["kind"], "ReplicaSet")
            XCTAssertEqual(ref["name"].string, rs.name)
            XCTAssertEqual(ref["blockOwnerDeletion"], true)
        }
        try await eventually("deployment revision annotation") {
            try await h.deployment("web").annotations["deployment.kubernetes.io/revision"] == "1"
        }
        let scaling = try await h.eventMessages(reason: "ScalingReplicaSet")
        XCTAssertEqual(scaling, ["Scaled up replica set web-\(hash) from 0 to 2"])
        try await eventually("two SuccessfulCreate events") {
            try await h.eventMessages(reason: "SuccessfulCreate").filter { $0.hasPrefix("Created pod: web-\(hash)-") }.count == 2
        }

        // Not ready yet: the Deployment is not available and the rollout is not finished.
        try await eventually("status counts replicas") { try await h.deployment("web")["status"]["replicas"].int == 2 }
        var status = try await h.deployment("web")["status"]
        XCTAssertEqual(DeploymentConditions.get(status, "Available")?["status"], "False")
        XCTAssertEqual(DeploymentConditions.get(status, "Available")?["reason"], "MinimumReplicasUnavailable")
        let pending = try await h.deployment("web")
        XCTAssertFalse(rolloutFinished(pending))

        h.startKubelet()
        try await eventually("rollout finished") { rolloutFinished(try await h.deployment("web")) }
        try await eventually("progress complete") {
            DeploymentConditions.get(try await h.deployment("web")["status"], "Progressing")?["reason"] == "NewReplicaSetAvailable"
        }
        let final = try await h.deployment("web")
        status = final["status"]
        XCTAssertEqual(status["replicas"], 2)
        XCTAssertEqual(status["updatedReplicas"], 2)
        XCTAssertEqual(status["readyReplicas"], 2)
        XCTAssertEqual(status["availableReplicas"], 2)
        XCTAssertTrue(status["unavailableReplicas"].isNull)
        XCTAssertEqual(status["observedGeneration"], 1)
        let available = try XCTUnwrap(DeploymentConditions.get(status, "Available"))
        XCTAssertEqual(available["status"], "True")
        XCTAssertEqual(available["reason"], "MinimumReplicasAvailable")
        XCTAssertEqual(available["message"], "Deployment has minimum availability.")
        let progressing = try XCTUnwrap(DeploymentConditions.get(status, "Progressing"))
        XCTAssertEqual(progressing["status"], "True")
        XCTAssertEqual(progressing["message"].string, "ReplicaSet \"web-\(hash)\" has successfully progressed.")
        // Kubernetes lists Available first once the rollout has completed.
        XCTAssertEqual(status["conditions"].elements.map { $0["type"].string ?? "" }, ["Available", "Progressing"])

        let rsStatus = try await h.replicaSets()[0]["status"]
        XCTAssertEqual(rsStatus["replicas"], 2)
        XCTAssertEqual(rsStatus["fullyLabeledReplicas"], 2)
        XCTAssertEqual(rsStatus["readyReplicas"], 2)
        XCTAssertEqual(rsStatus["availableReplicas"], 2)
    }

    func testScaleToZeroAndBackCreatesNewPods() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        h.client.seed(.deployments, WorkloadsFixtures.deployment())
        try await eventually("two pods") { try await h.pods().count == 2 }
        let first = Set(try await h.pods().compactMap(\.name))

        _ = try await h.patchDeployment(type: .merge,
                                     patch: ["spec": ["replicas": 0]], subresource: nil, fieldManager: "kubectl")
        try await eventually("no pods") { try await h.pods().isEmpty }
        let rsName = try await h.replicaSets()[0].name ?? ""
        try await eventually("scale-down event") {
            try await h.eventMessages(reason: "ScalingReplicaSet").contains("Scaled down replica set \(rsName) from 2 to 0")
        }
        _ = try await h.patchDeployment(type: .merge,
                                     patch: ["spec": ["replicas": 2]], subresource: nil, fieldManager: "kubectl")
        try await eventually("two pods again") { try await h.pods().count == 2 }
        let second = Set(try await h.pods().compactMap(\.name))
        XCTAssertTrue(first.isDisjoint(with: second), "\(first) vs \(second)")
        let rsCount = try await h.replicaSets().count
        XCTAssertEqual(rsCount, 1, "scaling does not start a new revision")
        let deleted = try await h.eventMessages(reason: "SuccessfulDelete")
        XCTAssertEqual(Set(deleted), Set(first.map { "Deleted pod: \($0)" }))
        try await eventually("scale-up event") {
            try await h.eventMessages(reason: "ScalingReplicaSet").contains("Scaled up replica set \(rsName) from 0 to 2")
        }
    }

    func testRollingUpdateRespectsMaxSurgeAndMaxUnavailable() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        h.startKubelet()
        h.client.seed(.deployments, WorkloadsFixtures.deployment(replicas: 4, image: "nginx:1.0"))
        try await eventually("first rollout finished") { rolloutFinished(try await h.deployment("web")) }
        let oldRSFound = try await h.replicaSet(running: "nginx:1.0")

        let oldRS = try XCTUnwrap(oldRSFound)
        let log = try await h.recordReplicaSetEvents()

        _ = try await h.patchDeployment(type: .strategic,
                                     patch: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:2.0"]]]]]],
                                     subresource: nil, fieldManager: "kubectl")
        try await eventually("second rollout finished") {
            let d = try await h.deployment("web")
            return rolloutFinished(d) && d.annotations["deployment.kubernetes.io/revision"] == "2"
        }
        let newRSFound = try await h.replicaSet(running: "nginx:2.0")

        let newRS = try XCTUnwrap(newRSFound)
        try await eventually("old ReplicaSet scaled to zero") {
            try await h.replicaSets().first { $0.uid == oldRS.uid }.map(WorkloadFields.specReplicas) == 0
        }
        XCTAssertEqual(WorkloadFields.specReplicas(newRS), 4)
        XCTAssertEqual(newRS.annotations["deployment.kubernetes.io/revision"], "2")
        let oldFound = try await h.replicaSets().first { $0.uid == oldRS.uid }

        let old = try XCTUnwrap(oldFound)
        XCTAssertEqual(old.annotations["deployment.kubernetes.io/revision"], "1")
        XCTAssertNotEqual(newRS.labels["pod-template-hash"], old.labels["pod-template-hash"])

        // Replay the ReplicaSet sizes: 25% of 4 allows one extra pod and one missing pod.
        var sizes: [String: Int] = [oldRS.uid ?? "": 4]
        var steps: [[String: Int]] = []
        for e in log.all where e.type != .deleted {
            let uid = e.object.uid ?? ""
            let size = WorkloadFields.specReplicas(e.object)
            if sizes[uid] != size {
                sizes[uid] = size
                steps.append(sizes)
                let total = sizes.values.reduce(0, +)
                XCTAssertLessThanOrEqual(total, 5, "maxSurge exceeded at \(sizes)")
                XCTAssertGreaterThanOrEqual(total, 3, "maxUnavailable exceeded at \(sizes)")
            }
        }
        // First one new pod (surge), then one old pod less (unavailability), and so on.
        let old4 = oldRS.uid ?? "", new4 = newRS.uid ?? ""
        XCTAssertGreaterThanOrEqual(steps.count, 4, "the rollout went in steps: \(steps)")
        XCTAssertEqual(steps.first, [old4: 4, new4: 1])
        XCTAssertEqual(steps.dropFirst().first, [old4: 3, new4: 1])
        XCTAssertEqual(steps.last, [old4: 0, new4: 4])
        let scaling = try await h.eventMessages(reason: "ScalingReplicaSet")
        XCTAssertTrue(scaling.contains("Scaled up replica set \(newRS.name ?? "") from 0 to 1"), "\(scaling)")
        XCTAssertTrue(scaling.contains("Scaled down replica set \(oldRS.name ?? "") from 4 to 3"), "\(scaling)")
        try await eventually("only new pods remain") {
            try await h.pods().allSatisfy { $0.labels["pod-template-hash"] == newRS.labels["pod-template-hash"] }
        }
    }

    func testRecreateScalesDownBeforeCreatingNewReplicaSet() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        h.startKubelet()
        h.client.seed(.deployments, WorkloadsFixtures.deployment(replicas: 2, image: "nginx:1.0", strategy: ["type": "Recreate"]))
        try await eventually("first rollout finished") { rolloutFinished(try await h.deployment("web")) }
        let oldRSFound = try await h.replicaSet(running: "nginx:1.0")

        let oldRS = try XCTUnwrap(oldRSFound)
        let log = try await h.recordReplicaSetEvents()

        _ = try await h.patchDeployment(type: .strategic,
                                     patch: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:2.0"]]]]]],
                                     subresource: nil, fieldManager: "kubectl")
        try await eventually("second rollout finished") {
            let d = try await h.deployment("web")
            return rolloutFinished(d) && d.annotations["deployment.kubernetes.io/revision"] == "2"
        }
        let events = log.all
        let created = try XCTUnwrap(events.firstIndex { $0.type == .added })
        let newRS = events[created].object
        XCTAssertEqual(newRS["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:2.0")
        XCTAssertEqual(WorkloadFields.specReplicas(newRS), 2, "Recreate creates the new ReplicaSet at full size")
        let oldBefore = events[..<created].last { $0.object.uid == oldRS.uid }?.object
        XCTAssertEqual(oldBefore.map(WorkloadFields.specReplicas), 0)
        XCTAssertEqual(oldBefore?["status"]["replicas"], 0, "old pods were gone before the new ReplicaSet")
        let scaling = try await h.eventMessages(reason: "ScalingReplicaSet")
        XCTAssertTrue(scaling.contains("Scaled down replica set \(oldRS.name ?? "") from 2 to 0"), "\(scaling)")
        XCTAssertTrue(scaling.contains("Scaled up replica set \(newRS.name ?? "") from 0 to 2"), "\(scaling)")
    }

    /// `kubectl rollout undo` (1.32) patches the Deployment with the old ReplicaSet's template
    /// and annotations (a JSON patch); the old ReplicaSet becomes the new one, at a new revision.
    func testRolloutUndoRevivesOldReplicaSetWithNewRevision() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        h.startKubelet()
        h.client.seed(.deployments, WorkloadsFixtures.deployment(replicas: 2, image: "nginx:1.0"))
        try await eventually("first rollout finished") { rolloutFinished(try await h.deployment("web")) }
        _ = try await h.patchDeployment(type: .strategic,
                                     patch: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:2.0"]]]]]],
                                     subresource: nil, fieldManager: "kubectl")
        try await eventually("second rollout finished") {
            let d = try await h.deployment("web")
            return rolloutFinished(d) && d.annotations["deployment.kubernetes.io/revision"] == "2"
        }
        let rev1Found = try await h.replicaSet(running: "nginx:1.0")

        let rev1 = try XCTUnwrap(rev1Found)
        var template = rev1["spec"]["template"]
        template["metadata"]["labels"]["pod-template-hash"] = .null
        let d = try await h.deployment("web")
        let undo: JSON = [["op": "replace", "path": "/spec/template", "value": template],
                          ["op": "replace", "path": "/metadata/annotations",
                           "value": ["deployment.kubernetes.io/revision": .string(d.annotations["deployment.kubernetes.io/revision"] ?? "")]]]
        _ = try await h.patchDeployment(type: .json, patch: undo,
                                     subresource: nil, fieldManager: "kubectl-rollout")
        try await eventually("undo finished at revision 3") {
            let d = try await h.deployment("web")
            let rev2 = try await h.replicaSet(running: "nginx:2.0")
            return rolloutFinished(d) && d.annotations["deployment.kubernetes.io/revision"] == "3"
                && rev2.map(WorkloadFields.specReplicas) == 0
        }
        let revivedFound = try await h.replicaSet(running: "nginx:1.0")

        let revived = try XCTUnwrap(revivedFound)
        XCTAssertEqual(revived.uid, rev1.uid)
        XCTAssertEqual(revived.annotations["deployment.kubernetes.io/revision"], "3")
        XCTAssertEqual(revived.annotations["deployment.kubernetes.io/revision-history"], "1")
        XCTAssertEqual(WorkloadFields.specReplicas(revived), 2)
        let rsCount = try await h.replicaSets().count
        XCTAssertEqual(rsCount, 2)
    }

    func testRolloutRestartAnnotationStartsNewReplicaSet() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        h.startKubelet()
        h.client.seed(.deployments, WorkloadsFixtures.deployment(replicas: 1))
        try await eventually("first rollout finished") { rolloutFinished(try await h.deployment("web")) }
        let restartedAt = "2026-01-01T10:00:00Z"
        _ = try await h.patchDeployment(type: .strategic,
                                     patch: ["spec": ["template": ["metadata": ["annotations": ["kubectl.kubernetes.io/restartedAt": .string(restartedAt)]]]]],
                                     subresource: nil, fieldManager: "kubectl-rollout")
        try await eventually("restart finished") {
            let d = try await h.deployment("web")
            return rolloutFinished(d) && d.annotations["deployment.kubernetes.io/revision"] == "2"
        }
        try await eventually("one pod, restarted") {
            let pods = try await h.pods()
            return pods.count == 1 && pods[0].annotations["kubectl.kubernetes.io/restartedAt"] == restartedAt
        }
        let rsCount = try await h.replicaSets().count
        XCTAssertEqual(rsCount, 2)
    }

    func testPausedDeploymentScalesButDoesNotRollOut() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        h.startKubelet()
        h.client.seed(.deployments, WorkloadsFixtures.deployment(replicas: 2))
        try await eventually("first rollout finished") { rolloutFinished(try await h.deployment("web")) }
        _ = try await h.patchDeployment(type: .strategic,
                                     patch: ["spec": ["paused": true, "replicas": 3,
                                                      "template": ["spec": ["containers": [["name": "main", "image": "nginx:2.0"]]]]]],
                                     subresource: nil, fieldManager: "kubectl")
        try await eventually("paused condition") {
            DeploymentConditions.get(try await h.deployment("web")["status"], "Progressing")?["reason"] == "DeploymentPaused"
        }
        try await eventually("scaled while paused") { try await h.pods().count == 3 }
        let rsCount = try await h.replicaSets().count
        XCTAssertEqual(rsCount, 1, "no rollout while paused")
        let progressing = DeploymentConditions.get(try await h.deployment("web")["status"], "Progressing")
        XCTAssertEqual(progressing?["status"], "Unknown")
        XCTAssertEqual(progressing?["message"], "Deployment is paused")

        _ = try await h.patchDeployment(type: .merge,
                                     patch: ["spec": ["paused": false]], subresource: nil, fieldManager: "kubectl")
        try await eventually("rolled out after resume") {
            let d = try await h.deployment("web")
            let rev2 = try await h.replicaSet(running: "nginx:2.0")
            return rolloutFinished(d) && d.annotations["deployment.kubernetes.io/revision"] == "2"
                && rev2.map(WorkloadFields.specReplicas) == 3
        }
    }

    /// Scaling in the middle of a rollout spreads the change over both ReplicaSets in proportion
    /// to their sizes (Kubernetes' proportional scaling).
    func testScalingDuringRolloutIsProportional() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        // No kubelet: pods never become ready, so the rollout stalls half-way.
        h.client.seed(.deployments, WorkloadsFixtures.deployment(replicas: 10, image: "nginx:1.0"))
        try await eventually("ten pods") { try await h.pods().count == 10 }
        _ = try await h.patchDeployment(type: .strategic,
                                     patch: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": "nginx:2.0"]]]]]],
                                     subresource: nil, fieldManager: "kubectl")
        // maxSurge 3 (25% of 10 rounded up), maxUnavailable 2: old 10→8 (unavailable pods
        // first), new 0→3→5, then nothing can move until pods become available.
        try await eventually("rollout stalls at old 8, new 5") {
            let old = try await h.replicaSet(running: "nginx:1.0").map(WorkloadFields.specReplicas)
            let new = try await h.replicaSet(running: "nginx:2.0").map(WorkloadFields.specReplicas)
            return old == 8 && new == 5
        }
        _ = try await h.patchDeployment(type: .merge,
                                     patch: ["spec": ["replicas": 20]], subresource: nil, fieldManager: "kubectl")
        // 12 more replicas (20+5 allowed, 13 present): old 8·25/13 ≈ 15, new 5·25/13 ≈ 10.
        try await eventually("proportionally scaled to old 15, new 10") {
            let old = try await h.replicaSet(running: "nginx:1.0")
            let new = try await h.replicaSet(running: "nginx:2.0")
            return old.map(WorkloadFields.specReplicas) == 15 && new.map(WorkloadFields.specReplicas) == 10
                && old?.annotations["deployment.kubernetes.io/desired-replicas"] == "20"
                && new?.annotations["deployment.kubernetes.io/max-replicas"] == "25"
        }
    }

    func testDeploymentAdoptsMatchingOrphanReplicaSet() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        let d = WorkloadsFixtures.deployment(replicas: 1)
        let hash = PodTemplateHash.compute(d["spec"]["template"])
        var orphan = WorkloadsFixtures.replicaSet("web-orphan", replicas: 1, labels: ["app": "web", "pod-template-hash": hash])
        orphan["spec"]["template"] = d["spec"]["template"]
        orphan["spec"]["template"]["metadata"]["labels"]["pod-template-hash"] = .string(hash)
        h.client.seed(.replicaSets, orphan)
        try await eventually("orphan RS runs its pod") { try await h.pods().count == 1 }
        let stored = h.client.seed(.deployments, d)
        try await eventually("orphan adopted") {
            let rs = try await h.client.get(.replicaSets, namespace: "default", name: "web-orphan")
            return Ownership.controllerRef(rs)?["uid"].string == stored.uid
                && rs.annotations["deployment.kubernetes.io/revision"] == "1"
        }
        try await eventually("deployment revision") {
            try await h.deployment("web").annotations["deployment.kubernetes.io/revision"] == "1"
        }
        let names = try await h.replicaSets().map(\.name)
        XCTAssertEqual(names, ["web-orphan"], "the adopted RS is the new RS")
        let podCount = try await h.pods().count
        XCTAssertEqual(podCount, 1)
    }

    /// Once rolled out, nothing is written any more (no status ping-pong), even when the server
    /// defaulted the ReplicaSet's template differently from the Deployment's.
    func testSteadyStateMakesNoWrites() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        h.startKubelet()
        h.client.seed(.deployments, WorkloadsFixtures.deployment(replicas: 2))
        try await eventually("rollout finished") {
            let d = try await h.deployment("web")
            return rolloutFinished(d)
                && DeploymentConditions.get(d["status"], "Progressing")?["reason"] == "NewReplicaSetAvailable"
        }
        let rs = try await h.replicaSets()[0]
        _ = try await h.api.patch(.replicaSets, namespace: "default", name: rs.name ?? "", type: .merge,
                                     patch: ["spec": ["template": ["spec": ["dnsPolicy": "ClusterFirst"]]]],
                                     subresource: nil, fieldManager: "defaulting")
        try await Task.sleep(for: .milliseconds(300))
        h.client.clearActions()
        try await Task.sleep(for: .milliseconds(500))
        XCTAssertEqual(h.client.actions, [])
        let rsCount = try await h.replicaSets().count
        XCTAssertEqual(rsCount, 1)
        let d = try await h.deployment("web")
        XCTAssertTrue(d["status"]["collisionCount"].isNull)
    }
}
