import Foundation
import KubeAPI
import Synchronization
import XCTest
@testable import Controllers

final class WorkloadsUnitTests: XCTestCase {
    func testFNVAndSafeEncoding() {
        XCTAssertEqual(PodTemplateHash.fnv32a([]), 0x811c_9dc5)
        XCTAssertEqual(PodTemplateHash.fnv32a(Array("a".utf8)), 0xe40c_292c)
        XCTAssertEqual(PodTemplateHash.safeEncode("01"), "45")
        let t: JSON = ["metadata": ["labels": ["app": "web"]], "spec": ["containers": [["name": "c", "image": "nginx"]]]]
        let hash = PodTemplateHash.compute(t)
        XCTAssertTrue((9...10).contains(hash.count), hash)
        XCTAssertTrue(hash.allSatisfy { PodNames.alphabet.contains($0) })
        XCTAssertNotEqual(PodTemplateHash.compute(t, collisionCount: 1), hash)
        // Semantically equal templates (nulls, empty maps, 80 vs 80.0) hash alike.
        var same = t
        same["metadata"] = ["labels": ["app": "web"], "annotations": [:], "creationTimestamp": .null]
        same["spec"]["containers"][0]["ports"] = []
        XCTAssertEqual(PodTemplateHash.compute(same), hash)
        XCTAssertTrue(PodTemplates.equalIgnoringHash(t, same))
        var hashed = t
        hashed["metadata"]["labels"]["pod-template-hash"] = .string(hash)
        XCTAssertTrue(PodTemplates.equalIgnoringHash(t, hashed))
    }

    func testFencepostsRoundSurgeUpAndUnavailableDown() {
        XCTAssertTrue(DeploymentSpecView.fenceposts(maxSurge: "25%", maxUnavailable: "25%", desired: 10) == (3, 2))
        XCTAssertTrue(DeploymentSpecView.fenceposts(maxSurge: "25%", maxUnavailable: "25%", desired: 1) == (1, 0))
        XCTAssertTrue(DeploymentSpecView.fenceposts(maxSurge: 0, maxUnavailable: 0, desired: 3) == (0, 1))
        XCTAssertTrue(DeploymentSpecView.fenceposts(maxSurge: 2, maxUnavailable: "50%", desired: 5) == (2, 2))
        let d = WorkloadsFixtures.deployment(replicas: 4)
        XCTAssertEqual(DeploymentSpecView(d).maxSurge, 1)
        XCTAssertEqual(DeploymentSpecView(d).maxUnavailable, 1)
        let recreate = WorkloadsFixtures.deployment(replicas: 4, strategy: ["type": "Recreate"])
        XCTAssertEqual(DeploymentSpecView(recreate).maxSurge, 0)
        XCTAssertEqual(DeploymentSpecView(recreate).maxUnavailable, 0)
    }

    func testDeletionRanking() {
        let now = Date()
        let labels = ["app": "a"]
        let pods = [
            WorkloadsFixtures.pod("old-ready", labels: labels, node: "n1", phase: "Running", readySince: now.addingTimeInterval(-86_400)),
            WorkloadsFixtures.pod("new-ready", labels: labels, node: "n1", phase: "Running", readySince: now.addingTimeInterval(-60)),
            WorkloadsFixtures.pod("running-unready", labels: labels, node: "n1", phase: "Running"),
            WorkloadsFixtures.pod("unknown", labels: labels, node: "n1", phase: "Unknown"),
            WorkloadsFixtures.pod("pending", labels: labels, node: "n1", phase: "Pending"),
            WorkloadsFixtures.pod("unassigned", labels: labels, phase: "Pending"),
        ]
        let order = PodDeletionRanking.sorted(pods, ranks: Array(repeating: 0, count: pods.count), now: now).compactMap(\.name)
        XCTAssertEqual(order, ["unassigned", "pending", "unknown", "running-unready", "new-ready", "old-ready"])

        let readyAt = now.addingTimeInterval(-3600)
        let restarts = [
            WorkloadsFixtures.pod("calm", labels: labels, node: "n1", phase: "Running", readySince: readyAt,
                                  created: now.addingTimeInterval(-7200)),
            WorkloadsFixtures.pod("crashy", labels: labels, node: "n1", phase: "Running", readySince: readyAt,
                                  created: now.addingTimeInterval(-7200), restarts: 5),
        ]
        XCTAssertEqual(PodDeletionRanking.sorted(restarts, ranks: [0, 0], now: now).compactMap(\.name), ["crashy", "calm"])
        let ages = [
            WorkloadsFixtures.pod("older", labels: labels, node: "n1", created: now.addingTimeInterval(-86_400 * 30)),
            WorkloadsFixtures.pod("newer", labels: labels, node: "n1", created: now.addingTimeInterval(-10)),
        ]
        XCTAssertEqual(PodDeletionRanking.sorted(ages, ranks: [0, 0], now: now).compactMap(\.name), ["newer", "older"])
        // Doubled-up pods go first.
        XCTAssertEqual(PodDeletionRanking.sorted(ages, ranks: [3, 1], now: now).compactMap(\.name), ["older", "newer"])
        var cheap = ages[0]
        cheap["metadata"]["annotations"] = ["controller.kubernetes.io/pod-deletion-cost": "-10"]
        XCTAssertEqual(PodDeletionRanking.sorted([ages[1], cheap], ranks: [0, 0], now: now).compactMap(\.name), ["older", "newer"])
    }

    func testExpectations() {
        let e = PodExpectations(now: { Date() })
        XCTAssertTrue(e.satisfied("ns/rs"))
        e.expectCreations("ns/rs", 2)
        XCTAssertFalse(e.satisfied("ns/rs"))
        e.creationObserved("ns/rs")
        XCTAssertFalse(e.satisfied("ns/rs"))
        e.creationObserved("ns/rs")
        XCTAssertTrue(e.satisfied("ns/rs"))
        e.expectDeletions("ns/rs", podKeys: ["ns/a", "ns/b"])
        e.deletionObserved("ns/rs", podKey: "ns/a")
        e.deletionObserved("ns/rs", podKey: "ns/a")   // counted once
        e.deletionObserved("ns/rs", podKey: "ns/zzz") // not expected
        XCTAssertFalse(e.satisfied("ns/rs"))
        e.deletionObserved("ns/rs", podKey: "ns/b")
        XCTAssertTrue(e.satisfied("ns/rs"))
        let clock = Mutex(Date())
        let expiring = PodExpectations(now: { clock.withLock { $0 } })
        expiring.expectCreations("k", 1)
        XCTAssertFalse(expiring.satisfied("k"))
        clock.withLock { $0 = $0.addingTimeInterval(301) }
        XCTAssertTrue(expiring.satisfied("k"))
    }

    func testRevisionHistoryAndAnnotationCopy() {
        var d = WorkloadsFixtures.deployment()
        d["metadata"]["annotations"] = ["kubernetes.io/change-cause": "v2", "kubectl.kubernetes.io/last-applied-configuration": "{}",
                                        "deployment.kubernetes.io/revision": "4"]
        var rs = WorkloadsFixtures.replicaSet("web-x", replicas: 0, labels: ["app": "web"])
        rs["metadata"]["annotations"] = ["deployment.kubernetes.io/revision": "2", "deployment.kubernetes.io/revision-history": "1"]
        let changed = DeploymentAnnotations.setNewReplicaSetAnnotations(d, &rs, newRevision: "5", exists: true, spec: DeploymentSpecView(d))
        XCTAssertTrue(changed)
        XCTAssertEqual(rs.annotations, ["deployment.kubernetes.io/revision": "5", "deployment.kubernetes.io/revision-history": "1,2",
                                        "kubernetes.io/change-cause": "v2"])
        let rss = [rs, WorkloadsFixtures.replicaSet("a", replicas: 0, labels: [:])].map { r -> JSON in r }
        XCTAssertEqual(DeploymentAnnotations.maxRevision(rss), 5)
        XCTAssertEqual(DeploymentAnnotations.lastRevision(rss), 0)
    }

    func testSlowStartBatchesDoubleAndStopAtFirstFailure() async {
        let calls = Mutex(0)
        let (ok, error) = await ReplicaSetController.slowStartBatch(10, initialBatchSize: 1) {
            let n = calls.withLock { c -> Int in c += 1; return c }
            if n == 5 { throw WorkloadError("quota exceeded") }
        }
        // Batches of 1 and 2 succeed; the batch of 4 has one failure, so no batch of 3 follows.
        XCTAssertEqual(calls.withLock { $0 }, 7)
        XCTAssertEqual(ok, 6)
        XCTAssertEqual((error as? WorkloadError)?.message, "quota exceeded")
        let all = Mutex(0)
        let (done, none) = await ReplicaSetController.slowStartBatch(10, initialBatchSize: 1) { all.withLock { $0 += 1 } }
        XCTAssertEqual(done, 10)
        XCTAssertNil(none)
        XCTAssertEqual(all.withLock { $0 }, 10)
    }

    func testPodFromTemplate() {
        var rs = WorkloadsFixtures.replicaSet("web-abc", replicas: 1, labels: ["app": "web"])
        rs["metadata"]["uid"] = "rs-uid"
        rs["spec"]["template"]["metadata"]["annotations"] = ["note": "x"]
        rs["spec"]["template"]["metadata"]["finalizers"] = ["example.com/keep"]
        let pod = ReplicaSetController.podFromTemplate(rs)
        XCTAssertEqual(pod["metadata"]["generateName"], "web-abc-")
        XCTAssertEqual(pod.labels, ["app": "web"])
        XCTAssertEqual(pod.annotations, ["note": "x"])
        XCTAssertEqual(pod["metadata"]["finalizers"], ["example.com/keep"])
        XCTAssertEqual(pod.namespace, "default")
        XCTAssertEqual(pod["spec"], rs["spec"]["template"]["spec"])
        XCTAssertEqual(pod["metadata"]["ownerReferences"], [["apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-abc",
                                                             "uid": "rs-uid", "controller": true, "blockOwnerDeletion": true]])
        let long = PodNames.generate(prefix: String(repeating: "a", count: 70) + "-")
        XCTAssertEqual(long.count, 63)
    }
}
