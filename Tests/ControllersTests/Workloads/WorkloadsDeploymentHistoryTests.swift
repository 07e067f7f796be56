import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import Synchronization
import XCTest
@testable import Controllers

final class WorkloadsDeploymentHistoryTests: XCTestCase {
    func setImage(_ h: WorkloadsHarness, _ image: String) async throws {
        _ = try await h.patchDeployment(type: .strategic,
                                     patch: ["spec": ["template": ["spec": ["containers": [["name": "main", "image": .string(image)]]]]]],
                                     subresource: nil, fieldManager: "kubectl")
    }

    func waitForRevision(_ h: WorkloadsHarness, _ revision: String) async throws {
        try await eventually("rollout of revision \(revision) finished") {
            let d = try await h.deployment("web")
            return rolloutFinished(d) && d.annotations["deployment.kubernetes.io/revision"] == revision
        }
    }

    func testRevisionHistoryLimitDeletesOldestScaledDownReplicaSets() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        h.startKubelet()
        var d = WorkloadsFixtures.deployment(replicas: 1, image: "nginx:1")
        d["spec"]["revisionHistoryLimit"] = 1
        h.client.seed(.deployments, d)
        try await waitForRevision(h, "1")
        try await setImage(h, "nginx:2")
        try await waitForRevision(h, "2")
        try await setImage(h, "nginx:3")
        try await waitForRevision(h, "3")
        try await eventually("only the newest old ReplicaSet is kept") {
            let images = try await h.replicaSets().compactMap { $0["spec"]["template"]["spec"]["containers"][0]["image"].string }
            return images.sorted() == ["nginx:2", "nginx:3"]
        }
    }

    func testLegacyRollbackAnnotationRestoresTemplate() async throws {
        let h = WorkloadsHarness()
        try await h.start()
        defer { h.stop() }
        h.startKubelet()
        h.client.seed(.deployments, WorkloadsFixtures.deployment(replicas: 1, image: "nginx:1"))
        try await waitForRevision(h, "1")
        try await setImage(h, "nginx:2")
        try await waitForRevision(h, "2")
        _ = try await h.patchDeployment(type: .merge,
                                     patch: ["metadata": ["annotations": ["deprecated.deployment.rollback.to": "0"]]],
                                     subresource: nil, fieldManager: "test")
        try await waitForRevision(h, "3")
        let d = try await h.deployment("web")
        XCTAssertEqual(d["spec"]["template"]["spec"]["containers"][0]["image"], "nginx:1")
        XCTAssertNil(d.annotations["deprecated.deployment.rollback.to"])
        XCTAssertNil(d["spec"]["template"]["metadata"]["labels"]["pod-template-hash"].string)
        let events = try await h.eventMessages(reason: "DeploymentRollback")
        XCTAssertEqual(events, ["Rolled back deployment \"web\" to revision 1"])
    }

    func testProgressDeadlineExceeded() async throws {
        let clock = FakeClock()
        let h = WorkloadsHarness(now: { clock.now })
        try await h.start()
        defer { h.stop() }
        // No kubelet: the pods never become ready.
        h.client.seed(.deployments, WorkloadsFixtures.deployment(replicas: 1))
        try await eventually("the pod is counted") {
            let d = try await h.deployment("web")
            return d["status"]["updatedReplicas"] == 1
                && DeploymentConditions.get(d["status"], "Progressing")?["reason"] == "ReplicaSetUpdated"
        }
        let rsName = try await h.replicaSets()[0].name ?? ""
        let progressing = DeploymentConditions.get(try await h.deployment("web")["status"], "Progressing")
        XCTAssertEqual(progressing?["message"].string, "ReplicaSet \"\(rsName)\" is progressing.")
        let created = try await h.events().first { $0["reason"] == "ScalingReplicaSet" }
        XCTAssertEqual(created?["message"].string, "Scaled up replica set \(rsName) from 0 to 1")
        clock.advance(by: 601)
        // Any event makes the controller look again (in real time it requeues at the deadline).
        _ = try await h.patchDeployment(type: .merge,
                                     patch: ["metadata": ["labels": ["touched": "yes"]]], subresource: nil, fieldManager: "test")
        try await eventually("deadline exceeded") {
            let c = DeploymentConditions.get(try await h.deployment("web")["status"], "Progressing")
            return c?["reason"] == "ProgressDeadlineExceeded" && c?["status"] == "False"
                && c?["message"].string == "ReplicaSet \"\(rsName)\" has timed out progressing."
        }
    }
}

final class FakeClock: Sendable {
    private let time = Mutex(Date())
    var now: Date { time.withLock { $0 } }
    func advance(by seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
