import Foundation
import KubeAPI
import KubeClient
import KubeClientTesting
import Synchronization
import XCTest
@testable import Controllers

/// A MemoryClient with the ReplicaSet and Deployment controllers running on it.
final class WorkloadsHarness: @unchecked Sendable {
    /// The store; `seed` writes to it directly (test setup).
    let client = MemoryClient()
    /// What the controllers and the test's own changes go through: writes one at a time.
    let api: WorkloadsSerializedClient
    let context: ControllerContext
    let replicaSetController: ReplicaSetController
    let deploymentController: DeploymentController
    private var tasks: [Task<Void, Never>] = []

    init(now: @escaping @Sendable () -> Date = { Date() }) {
        api = WorkloadsSerializedClient(client)
        context = ControllerContext(client: api, now: now)
        replicaSetController = ReplicaSetController(context: context, workers: 2)
        deploymentController = DeploymentController(context: context, workers: 2)
    }

    /// Starts the controllers and waits until every informer is watching (a probe object of each
    /// kind, in a namespace of its own, has reached its cache).
    func start() async throws {
        let ctx = context
        let controllers: [any Controller] = [replicaSetController, deploymentController]
        tasks.append(Task { await ControllerManager.run(ctx, controllers) })
        await context.informers.waitForSync()
        let probes: [(ResourceType, JSON)] = [
            (.pods, ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "probe", "namespace": "probe"]]),
            (.replicaSets, ["apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": ["name": "probe", "namespace": "probe"],
                            "spec": ["replicas": 0, "selector": ["matchLabels": ["probe": "x"]]]]),
            (.deployments, ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "probe", "namespace": "probe"],
                            "spec": ["replicas": 0, "paused": true, "selector": ["matchLabels": ["probe": "y"]]]]),
        ]
        // MemoryClient's watches start "now", so a write between an informer's list and its watch
        // is never seen: write the probe again on every poll until one arrives.
        for (r, obj) in probes {
            let informer = context.informers.informer(r)
            var n = 0
            try await eventually("informer \(r.plural) is watching") {
                n += 1
                var probe = obj
                probe["metadata"]["labels"] = ["attempt": .string(String(n))]
                client.seed(r, probe)
                try await Task.sleep(for: .milliseconds(5))
                return informer.get("probe", "probe") != nil
            }
        }
    }

    /// A stand-in kubelet: every pod in `namespace` becomes Running and Ready.
    func startKubelet(namespace: String = "default") {
        let client = self.api
        tasks.append(Task {
            while !Task.isCancelled {
                if let pods = try? await client.list(.pods, namespace: namespace, options: ListOptions()).items {
                    for pod in pods where !WorkloadPodState.isReady(pod) {
                        _ = try? await client.patch(.pods, namespace: namespace, name: pod.name ?? "", type: .merge,
                                                    patch: WorkloadsFixtures.readyStatus(), subresource: "status", fieldManager: "kubelet")
                    }
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
        })
    }

    func stop() { for t in tasks { t.cancel() } }

    /// A summary of the Deployments, ReplicaSets and pods, for failure messages.
    func summary(_ namespace: String = "default") async -> String {
        var lines: [String] = []
        for d in (try? await client.list(.deployments, namespace: namespace, options: ListOptions()).items) ?? [] {
            lines.append("deployment \(d.name ?? "") rv=\(d.resourceVersion ?? "") ann=\(d.annotations) spec=\(d["spec"].jsonString) status=\(d["status"].jsonString)")
            let cached = context.informers.informer(.deployments).get(namespace, d.name ?? "")
            lines.append("cached rv=\(cached?.resourceVersion ?? "-") spec=\(cached?["spec"].jsonString ?? "")")
        }
        for rs in (try? await replicaSets(namespace)) ?? [] {
            lines.append("rs \(rs.name ?? "") replicas=\(rs["spec"]["replicas"]) ann=\(rs.annotations) status=\(rs["status"].jsonString)")
        }
        for p in (try? await pods(namespace)) ?? [] {
            lines.append("pod \(p.name ?? "") ready=\(WorkloadPodState.isReady(p)) deleting=\(Ownership.isDeleting(p))")
        }
        return lines.joined(separator: "\n")
    }

    /// Patches the "web" Deployment as the API server would: a spec change bumps
    /// metadata.generation (MemoryClient has no such strategy), in the same write.
    @discardableResult
    func patchDeployment(type: PatchType, patch: JSON, subresource: String? = nil, fieldManager: String,
                         name: String = "web") async throws -> JSON {
        while true {
            let current = try await client.get(.deployments, namespace: "default", name: name)
            var next: JSON
            switch type {
            case .merge: next = current.applyingMergePatch(patch)
            case .strategic: next = try current.applyingStrategicMergePatch(patch, kind: "Deployment")
            case .json: next = try current.applyingJSONPatch(patch)
            }
            if next["spec"] != current["spec"] {
                next["metadata"]["generation"] = .int((current["metadata"]["generation"].int ?? 0) + 1)
            }
            next["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
            do {
                return try await api.update(.deployments, next, subresource: nil, fieldManager: fieldManager)
            } catch let e as ClientError where e.isConflict {
                continue
            }
        }
    }

    // MARK: Reads

    func replicaSets(_ namespace: String = "default") async throws -> [JSON] {
        try await client.list(.replicaSets, namespace: namespace, options: ListOptions()).items
    }

    func pods(_ namespace: String = "default") async throws -> [JSON] {
        try await client.list(.pods, namespace: namespace, options: ListOptions()).items
    }

    func deployment(_ name: String, _ namespace: String = "default") async throws -> JSON {
        try await client.get(.deployments, namespace: namespace, name: name)
    }

    func events(_ namespace: String = "default") async throws -> [JSON] {
        try await client.list(.events, namespace: namespace, options: ListOptions()).items
    }

    func eventMessages(reason: String, _ namespace: String = "default") async throws -> [String] {
        try await events(namespace).filter { $0["reason"].string == reason }.compactMap { $0["message"].string }
    }

    /// The ReplicaSet of a deployment whose template runs `image`.
    func replicaSet(running image: String, _ namespace: String = "default") async throws -> JSON? {
        try await replicaSets(namespace).first { $0["spec"]["template"]["spec"]["containers"][0]["image"].string == image }
    }

    /// Records every ReplicaSet watch event, in order.
    func recordReplicaSetEvents() async throws -> WatchLog {
        let log = WatchLog()
        let now = try await client.list(.replicaSets, namespace: "default", options: ListOptions()).resourceVersion
        let stream = try await client.watch(.replicaSets, namespace: "default", options: ListOptions(), resourceVersion: now)
        tasks.append(Task {
            do { for try await e in stream { log.append(e) } } catch {}
        })
        return log
    }
}

final class WatchLog: Sendable {
    private let events = Mutex<[WatchEvent]>([])
    func append(_ e: WatchEvent) { events.withLock { $0.append(e) } }
    var all: [WatchEvent] { events.withLock { $0 } }
}

func eventually(_ what: String, timeout: Duration = .seconds(15), file: StaticString = #filePath, line: UInt = #line,
                _ condition: () async throws -> Bool) async throws {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: .milliseconds(10))
    }
    XCTFail("timed out waiting until \(what)", file: file, line: line)
    throw CancellationError()
}

enum WorkloadsFixtures {
    /// A merge patch of the status subresource making a pod Running and Ready.
    static func readyStatus(at date: Date = Date()) -> JSON {
        let condition: JSON = ["type": "Ready", "status": "True", "lastTransitionTime": .string(WorkloadTime.format(date))]
        return ["status": ["phase": "Running", "conditions": [condition]]]
    }

    static func deployment(_ name: String = "web", replicas: Int64 = 2, image: String = "nginx:1.0",
                           strategy: JSON = .null) -> JSON {
        var d: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": ["name": .string(name), "namespace": "default", "generation": 1],
            "spec": [
                "replicas": .int(replicas),
                "selector": ["matchLabels": ["app": .string(name)]],
                "template": [
                    "metadata": ["labels": ["app": .string(name)]],
                    "spec": ["containers": [["name": "main", "image": .string(image)]]],
                ],
            ],
        ]
        d["spec"]["strategy"] = strategy
        return d
    }

    static func replicaSet(_ name: String, replicas: Int64, labels: [String: String], owner: JSON? = nil) -> JSON {
        var rs: JSON = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": ["name": .string(name), "namespace": "default", "labels": JSON(labels)],
            "spec": [
                "replicas": .int(replicas),
                "selector": ["matchLabels": JSON(labels)],
                "template": ["metadata": ["labels": JSON(labels)], "spec": ["containers": [["name": "main", "image": "busybox"]]]],
            ],
        ]
        if let owner { rs["metadata"]["ownerReferences"] = [Ownership.reference(to: owner)] }
        return rs
    }

    static func pod(_ name: String, labels: [String: String], owner: JSON? = nil, node: String? = nil, phase: String = "Pending",
                    readySince: Date? = nil, created: Date? = nil, restarts: Int64 = 0) -> JSON {
        var p: JSON = ["apiVersion": "v1", "kind": "Pod",
                       "metadata": ["name": .string(name), "namespace": "default", "labels": JSON(labels),
                                    "uid": .string("uid-\(name)")],
                       "spec": ["containers": [["name": "main", "image": "busybox"]]],
                       "status": ["phase": .string(phase)]]
        if let owner { p["metadata"]["ownerReferences"] = [Ownership.reference(to: owner)] }
        if let node { p["spec"]["nodeName"] = .string(node) }
        if let readySince {
            p["status"]["conditions"] = [["type": "Ready", "status": "True", "lastTransitionTime": .string(WorkloadTime.format(readySince))]]
        }
        if let created { p["metadata"]["creationTimestamp"] = .string(WorkloadTime.format(created)) }
        if restarts > 0 { p["status"]["containerStatuses"] = [["name": "main", "restartCount": .int(restarts)]] }
        return p
    }
}

/// kubectl rollout status's test for a finished Deployment rollout.
func rolloutFinished(_ d: JSON) -> Bool {
    let status = d["status"]
    let replicas = d["spec"]["replicas"].int ?? 1
    let updated = status["updatedReplicas"].int ?? 0
    return (d["metadata"]["generation"].int ?? 0) <= (status["observedGeneration"].int ?? 0)
        && updated >= replicas && (status["replicas"].int ?? 0) <= updated && (status["availableReplicas"].int ?? 0) >= updated
}
