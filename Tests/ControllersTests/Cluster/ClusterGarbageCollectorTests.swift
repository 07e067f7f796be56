import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import XCTest
@testable import Controllers

final class ClusterGarbageCollectorTests: XCTestCase {
    typealias Kit = ClusterTestKit

    func replicaSet(_ name: String, finalizers: [String] = [], deleting: Bool = false) -> JSON {
        var rs: JSON = ["apiVersion": "apps/v1", "kind": "ReplicaSet",
                        "metadata": ["name": .string(name), "namespace": "default", "uid": .string("uid-\(name)")],
                        "spec": ["replicas": 2, "selector": ["matchLabels": ["app": .string(name)]]]]
        if !finalizers.isEmpty { rs["metadata"]["finalizers"] = .array(finalizers.map { .string($0) }) }
        if deleting { rs["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z" }
        return rs
    }

    func ownedPod(_ name: String, by owners: [JSON]) -> JSON {
        var p = Kit.pod(name, node: "n")
        p["metadata"]["ownerReferences"] = .array(owners.map { Ownership.reference(to: $0) })
        return p
    }

    func podNames(_ client: MemoryClient) async throws -> [String] {
        try await client.list(.pods, namespace: "default", options: ListOptions()).items.compactMap(\.name).sorted()
    }

    func testBackgroundDeletionOfReplicaSetDeletesItsPods() async throws {
        let client = MemoryClient()
        let rs = client.seed(.replicaSets, replicaSet("web"))
        client.seed(.pods, ownedPod("web-1", by: [rs]))
        client.seed(.pods, ownedPod("web-2", by: [rs]))
        client.seed(.pods, Kit.pod("unowned", node: "n"))
        let context = ControllerContext(client: client)
        let task = Kit.start(context, [GarbageCollector(context: context)])
        defer { task.cancel() }

        try await Task.sleep(for: .milliseconds(100))
        let before = try await podNames(client)
        XCTAssertEqual(before, ["unowned", "web-1", "web-2"], "owned pods stay while their owner exists")
        try await client.delete(.replicaSets, namespace: "default", name: "web", options: ["propagationPolicy": "Background"])
        let collected = await Kit.eventually { try await self.podNames(client) == ["unowned"] }
        XCTAssertTrue(collected)
        XCTAssertTrue(client.actions.contains("delete pods default/web-1"))
    }

    func testDependentOfMissingOwnerIsDeletedAtStart() async throws {
        let client = MemoryClient()
        let ghost = replicaSet("ghost")   // never stored
        client.seed(.pods, ownedPod("orphaned", by: [ghost]))
        let context = ControllerContext(client: client)
        let task = Kit.start(context, [GarbageCollector(context: context)])
        defer { task.cancel() }
        let collected = await Kit.eventually { try await self.podNames(client).isEmpty }
        XCTAssertTrue(collected)
    }

    func testOwnerRecreatedWithNewUIDDoesNotKeepOldDependents() async throws {
        let client = MemoryClient()
        let old = replicaSet("web")
        var recreated = replicaSet("web")
        recreated["metadata"]["uid"] = "uid-web-2"
        client.seed(.replicaSets, recreated)
        client.seed(.pods, ownedPod("stale", by: [old]))
        client.seed(.pods, ownedPod("fresh", by: [recreated]))
        let context = ControllerContext(client: client)
        let task = Kit.start(context, [GarbageCollector(context: context)])
        defer { task.cancel() }
        let collected = await Kit.eventually { try await self.podNames(client) == ["fresh"] }
        XCTAssertTrue(collected)
    }

    func testDependentWithAnotherLiveOwnerOnlyLosesTheReference() async throws {
        let client = MemoryClient()
        let live = client.seed(.replicaSets, replicaSet("live"))
        let gone = replicaSet("gone")
        var pod = ownedPod("shared", by: [live])
        var goneRef = Ownership.reference(to: gone)
        goneRef["controller"] = false
        pod["metadata"]["ownerReferences"] = .array(pod["metadata"]["ownerReferences"].elements + [goneRef])
        client.seed(.pods, pod)
        let context = ControllerContext(client: client)
        let task = Kit.start(context, [GarbageCollector(context: context)])
        defer { task.cancel() }
        let trimmed = await Kit.eventually {
            let refs = try await client.get(.pods, namespace: "default", name: "shared")["metadata"]["ownerReferences"].elements
            return refs.map { $0["uid"].string } == ["uid-live"]
        }
        XCTAssertTrue(trimmed)
    }

    func testForegroundDeletionDeletesDependentsThenRemovesFinalizer() async throws {
        let client = MemoryClient()
        let rs = client.seed(.replicaSets, replicaSet("web", finalizers: ["foregroundDeletion"], deleting: true))
        client.seed(.pods, ownedPod("web-1", by: [rs]))
        client.seed(.pods, ownedPod("web-2", by: [rs]))
        let context = ControllerContext(client: client)
        let task = Kit.start(context, [GarbageCollector(context: context)])
        defer { task.cancel() }

        let finalized = await Kit.eventually {
            try await client.get(.replicaSets, namespace: "default", name: "web")["metadata"]["finalizers"].isNull
        }
        XCTAssertTrue(finalized)
        let pods = try await podNames(client)
        XCTAssertEqual(pods, [], "dependents go before the owner's finalizer is removed")
        let actions = client.actions
        let lastPodDelete = actions.lastIndex { $0.hasPrefix("delete pods") } ?? -1
        let finalizerUpdate = actions.firstIndex { $0 == "update replicasets default/web" } ?? -1
        XCTAssertLessThan(lastPodDelete, finalizerUpdate)
    }

    func testForegroundChainDeploymentReplicaSetPods() async throws {
        let client = MemoryClient()
        var deploy: JSON = ["apiVersion": "apps/v1", "kind": "Deployment",
                            "metadata": ["name": "app", "namespace": "default", "uid": "uid-app",
                                         "finalizers": ["foregroundDeletion"], "deletionTimestamp": "2026-01-01T00:00:00Z"]]
        deploy = client.seed(.deployments, deploy)
        var rs = replicaSet("app-1")
        rs["metadata"]["ownerReferences"] = [Ownership.reference(to: deploy)]
        rs = client.seed(.replicaSets, rs)
        client.seed(.pods, ownedPod("app-1-a", by: [rs]))
        let context = ControllerContext(client: client)
        let task = Kit.start(context, [GarbageCollector(context: context)])
        defer { task.cancel() }

        // The ReplicaSet has dependents of its own, so it is deleted in the foreground too (MemoryClient
        // removes it at once; the API server would keep it until its pods are gone).
        let done = await Kit.eventually {
            try await client.get(.deployments, namespace: "default", name: "app")["metadata"]["finalizers"].isNull
        }
        XCTAssertTrue(done)
        let pods = try await podNames(client)
        XCTAssertEqual(pods, [])
    }

    func testOrphanDeletionKeepsDependentsWithoutTheReference() async throws {
        let client = MemoryClient()
        let rs = client.seed(.replicaSets, replicaSet("web", finalizers: ["orphan"], deleting: true))
        client.seed(.pods, ownedPod("web-1", by: [rs]))
        client.seed(.pods, ownedPod("web-2", by: [rs]))
        let context = ControllerContext(client: client)
        let task = Kit.start(context, [GarbageCollector(context: context)])
        defer { task.cancel() }

        let finalized = await Kit.eventually {
            try await client.get(.replicaSets, namespace: "default", name: "web")["metadata"]["finalizers"].isNull
        }
        XCTAssertTrue(finalized)
        for name in ["web-1", "web-2"] {
            let pod = try await client.get(.pods, namespace: "default", name: name)
            XCTAssertTrue(pod["metadata"]["ownerReferences"].isNull, "\(name) keeps no reference to the orphaning owner")
        }
        // Deleting the owner for good must not take the orphans with it.
        try await client.delete(.replicaSets, namespace: "default", name: "web", options: [:])
        try await Task.sleep(for: .milliseconds(100))
        let left = try await podNames(client)
        XCTAssertEqual(left, ["web-1", "web-2"])
    }

    func testConfigurableResources() async throws {
        let client = MemoryClient()
        let rs = client.seed(.replicaSets, replicaSet("web"))
        var cm: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cfg", "namespace": "default"]]
        cm["metadata"]["ownerReferences"] = [Ownership.reference(to: rs)]
        client.seed(.configMaps, cm)
        let context = ControllerContext(client: client)
        let gc = GarbageCollector(context: context, resources: [.replicaSets, .configMaps])
        let task = Kit.start(context, [gc])
        defer { task.cancel() }
        try await client.delete(.replicaSets, namespace: "default", name: "web", options: [:])
        let collected = await Kit.eventually {
            try await client.list(.configMaps, namespace: "default", options: ListOptions()).items.isEmpty
        }
        XCTAssertTrue(collected)
    }
}
