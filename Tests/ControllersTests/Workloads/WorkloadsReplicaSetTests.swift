import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import XCTest
@testable import Controllers

final class WorkloadsReplicaSetTests: XCTestCase {
    func testAdoptsMatchingOrphanAndReleasesPodThatStopsMatching() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        h.client.seed(.pods, WorkloadsFixtures.pod("stray", labels: ["app": "db"]))
        h.client.seed(.pods, WorkloadsFixtures.pod("other", labels: ["app": "cache"]))
        try await eventually("pods cached") { h.context.informers.informer(.pods).list(namespace: "default").count == 2 }
        let rs = h.client.seed(.replicaSets, WorkloadsFixtures.replicaSet("db", replicas: 2, labels: ["app": "db"]))
        try await eventually("stray adopted and one pod created") {
            let pods = try await h.pods().filter { $0.labels["app"] == "db" }
            return pods.count == 2 && pods.allSatisfy { Ownership.controllerRef($0)?["uid"].string == rs.uid }
        }
        let stray = try await h.client.get(.pods, namespace: "default", name: "stray")
        XCTAssertEqual(Ownership.controllerRef(stray)?["blockOwnerDeletion"], true)
        let other = try await h.client.get(.pods, namespace: "default", name: "other")
        XCTAssertNil(Ownership.controllerRef(other))
        let creates = try await h.eventMessages(reason: "SuccessfulCreate")
        XCTAssertEqual(creates.count, 1)

        // Relabelled out of the selector: released, and replaced.
        _ = try await h.api.patch(.pods, namespace: "default", name: "stray", type: .merge,
                                     patch: ["metadata": ["labels": ["app": "debug"]]], subresource: nil, fieldManager: "kubectl")
        try await eventually("stray released and replaced") {
            let stray = try await h.client.get(.pods, namespace: "default", name: "stray")
            let db = try await h.pods().filter { $0.labels["app"] == "db" }
            return Ownership.controllerRef(stray) == nil && db.count == 2
        }
        try await eventually("status") {
            let s = try await h.client.get(.replicaSets, namespace: "default", name: "db")["status"]
            return s["replicas"] == 2 && s["fullyLabeledReplicas"] == 2
        }
    }

    func testScaleDownDeletesUnassignedThenPendingThenKeepsReadyPod() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        // The pods exist (owned) before the ReplicaSet appears, so it has nothing to create.
        var owner = WorkloadsFixtures.replicaSet("app", replicas: 3, labels: ["app": "a"])
        owner["metadata"]["uid"] = "uid-app"
        let now = Date()
        h.client.seed(.pods, WorkloadsFixtures.pod("running-ready", labels: ["app": "a"], owner: owner, node: "n1",
                                                   phase: "Running", readySince: now.addingTimeInterval(-3600)))
        h.client.seed(.pods, WorkloadsFixtures.pod("unassigned", labels: ["app": "a"], owner: owner))
        h.client.seed(.pods, WorkloadsFixtures.pod("pending", labels: ["app": "a"], owner: owner, node: "n1"))
        try await eventually("pods cached") { h.context.informers.informer(.pods).list(namespace: "default").count == 3 }
        h.client.seed(.replicaSets, owner)
        try await eventually("status sees three") {
            try await h.client.get(.replicaSets, namespace: "default", name: "app")["status"]["replicas"] == 3
        }
        let podCount = try await h.pods().count
        XCTAssertEqual(podCount, 3, "nothing created: the three pods satisfy the ReplicaSet")
        _ = try await h.api.patch(.replicaSets, namespace: "default", name: "app", type: .merge,
                                     patch: ["spec": ["replicas": 2]], subresource: nil, fieldManager: "kubectl")
        try await eventually("unassigned deleted first") { try await h.pods().compactMap(\.name).sorted() == ["pending", "running-ready"] }
        _ = try await h.api.patch(.replicaSets, namespace: "default", name: "app", type: .merge,
                                     patch: ["spec": ["replicas": 1]], subresource: nil, fieldManager: "kubectl")
        try await eventually("pending deleted next") { try await h.pods().compactMap(\.name) == ["running-ready"] }
        let deletes = try await h.eventMessages(reason: "SuccessfulDelete")
        XCTAssertEqual(Set(deletes), ["Deleted pod: unassigned", "Deleted pod: pending"])
        try await eventually("status ready") {
            let s = try await h.client.get(.replicaSets, namespace: "default", name: "app")["status"]
            return s["replicas"] == 1 && s["readyReplicas"] == 1 && s["availableReplicas"] == 1
        }
    }

    func testTerminatingAndFinishedPodsAreNotCounted() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        let rs = h.client.seed(.replicaSets, WorkloadsFixtures.replicaSet("job", replicas: 2, labels: ["app": "j"]))
        let owner = WorkloadFields.typed(rs, .replicaSets)
        h.client.seed(.pods, WorkloadsFixtures.pod("done", labels: ["app": "j"], owner: owner, phase: "Succeeded"))
        var terminating = WorkloadsFixtures.pod("going", labels: ["app": "j"], owner: owner, phase: "Running")
        terminating["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        h.client.seed(.pods, terminating)
        try await eventually("two fresh pods") {
            try await h.pods().filter { $0.name?.hasPrefix("job-") == true }.count == 2
        }
        try await eventually("status counts only active pods") {
            try await h.client.get(.replicaSets, namespace: "default", name: "job")["status"]["replicas"] == 2
        }
    }

    func testCreateFailureSetsReplicaFailureCondition() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        // A template without labels cannot produce pods ("unable to create pods, no labels").
        var rs = WorkloadsFixtures.replicaSet("bad", replicas: 1, labels: ["app": "bad"])
        rs["spec"]["template"]["metadata"] = .null
        h.client.seed(.replicaSets, rs)
        try await eventually("ReplicaFailure condition") {
            let s = try await h.client.get(.replicaSets, namespace: "default", name: "bad")["status"]
            let c = ReplicaSetStatus.condition(s, "ReplicaFailure")
            return c?["reason"] == "FailedCreate" && c?["message"] == "unable to create pods, no labels"
        }
    }
}
