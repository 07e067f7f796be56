import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import XCTest
@testable import Controllers

final class ClusterNamespaceControllerTests: XCTestCase {
    typealias Kit = ClusterTestKit

    func namespace(_ name: String, deleting: Bool) -> JSON {
        var ns: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)],
                        "spec": ["finalizers": ["kubernetes"]], "status": ["phase": "Active"]]
        if deleting { ns["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z" }
        return ns
    }

    func testTerminatingNamespaceIsEmptiedThenFinalized() async throws {
        let client = MemoryClient()
        client.seed(.namespaces, namespace("demo", deleting: true))
        client.seed(.namespaces, namespace("default", deleting: false))
        client.seed(.pods, Kit.pod("web", namespace: "demo", node: "n"))
        client.seed(.services, ["apiVersion": "v1", "kind": "Service", "metadata": ["name": "web", "namespace": "demo"]])
        client.seed(.configMaps, ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "cfg", "namespace": "demo"]])
        client.seed(.deployments, ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web", "namespace": "demo"]])
        client.seed(.pods, Kit.pod("keep", namespace: "default", node: "n"))
        let context = ControllerContext(client: client)
        let task = Kit.start(context, [NamespaceController(context: context)])
        defer { task.cancel() }

        let finalized = await Kit.eventually {
            try await client.get(.namespaces, namespace: nil, name: "demo")["spec"]["finalizers"].elements.isEmpty
        }
        XCTAssertTrue(finalized)
        for r in [ResourceType.pods, .services, .configMaps, .deployments] {
            let left = try await client.list(r, namespace: "demo", options: ListOptions()).items
            XCTAssertTrue(left.isEmpty, "\(r.plural) emptied")
        }
        let kept = try await client.get(.pods, namespace: "default", name: "keep")
        XCTAssertEqual(kept.name, "keep")
        XCTAssertTrue(client.actions.contains("update-finalize namespaces demo"))

        let ns = try await client.get(.namespaces, namespace: nil, name: "demo")
        XCTAssertEqual(ns["status"]["phase"].string, "Terminating")
        let conditions = ns["status"]["conditions"].elements
        XCTAssertEqual(conditions.map { $0["type"].string ?? "" }, NamespaceDeletionConditions.types)
        let remaining = conditions.first { $0["type"].string == "NamespaceContentRemaining" }
        XCTAssertEqual(remaining?["status"].string, "False")
        XCTAssertEqual(remaining?["reason"].string, "ContentRemoved")
        XCTAssertEqual(remaining?["message"].string, "All content successfully removed")
        // A namespace that is not being deleted is left alone.
        let other = try await client.get(.namespaces, namespace: nil, name: "default")
        XCTAssertEqual(other["spec"]["finalizers"].elements, ["kubernetes"])
    }

    func testNamespaceDeletedLaterIsProcessed() async throws {
        let client = MemoryClient()
        client.seed(.namespaces, namespace("later", deleting: false))
        client.seed(.secrets, ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s", "namespace": "later"]])
        let context = ControllerContext(client: client)
        let task = Kit.start(context, [NamespaceController(context: context)])
        defer { task.cancel() }
        try await Task.sleep(for: .milliseconds(50))
        let untouched = try await client.list(.secrets, namespace: "later", options: ListOptions()).items.count
        XCTAssertEqual(untouched, 1)

        var ns = try await client.get(.namespaces, namespace: nil, name: "later")
        ns["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
        _ = try await client.update(.namespaces, ns, subresource: nil, fieldManager: "test")
        let finalized = await Kit.eventually {
            try await client.get(.namespaces, namespace: nil, name: "later")["spec"]["finalizers"].elements.isEmpty
        }
        XCTAssertTrue(finalized)
        let left = try await client.list(.secrets, namespace: "later", options: ListOptions()).items
        XCTAssertTrue(left.isEmpty)
    }

    func testConditionMessages() {
        var outcome = NamespaceDeletionConditions.Outcome()
        outcome.remaining = ["pods.": 2, "deployments.apps": 1]
        outcome.finalizers = ["example.com/hold": 1]
        let conditions = NamespaceDeletionConditions.conditions(for: outcome, now: "2026-01-01T00:00:00Z")
        let remaining = conditions.first { $0["type"].string == "NamespaceContentRemaining" }
        XCTAssertEqual(remaining?["status"].string, "True")
        XCTAssertEqual(remaining?["reason"].string, "SomeResourcesRemain")
        XCTAssertEqual(remaining?["message"].string,
                       "Some resources are remaining: deployments.apps has 1 resource instances, pods. has 2 resource instances")
        let finalizers = conditions.first { $0["type"].string == "NamespaceFinalizersRemaining" }
        XCTAssertEqual(finalizers?["reason"].string, "SomeFinalizerRemain")
        XCTAssertEqual(finalizers?["message"].string, "Some finalizers are remaining: example.com/hold in 1 resource instances")
        let content = conditions.first { $0["type"].string == "NamespaceDeletionContentFailure" }
        XCTAssertEqual(content?["status"].string, "False")
        XCTAssertEqual(content?["message"].string, "All content successfully deleted, may be waiting on finalization")

        // Unchanged conditions are not rewritten; a flip updates the transition time.
        XCTAssertNil(NamespaceDeletionConditions.merged(conditions, conditions, now: "2026-01-01T00:01:00Z"))
        let ok = NamespaceDeletionConditions.conditions(for: .init(), now: "2026-01-01T00:01:00Z")
        let merged = NamespaceDeletionConditions.merged(conditions, ok, now: "2026-01-01T00:01:00Z")
        let flipped = merged?.first { $0["type"].string == "NamespaceContentRemaining" }
        XCTAssertEqual(flipped?["status"].string, "False")
        XCTAssertEqual(flipped?["lastTransitionTime"].string, "2026-01-01T00:01:00Z")
    }
}
