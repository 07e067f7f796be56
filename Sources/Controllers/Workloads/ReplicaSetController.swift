import Foundation
import KubeAPI
import KubeClient
import Logging

/// Keeps `spec.replicas` pods running for every ReplicaSet, as kube-controller-manager's
/// "replicaset-controller" does: it adopts matching orphan pods and releases owned pods that no
/// longer match, creates missing pods from the template in slow-start batches (1, 2, 4, …),
/// deletes surplus pods in `PodDeletionRanking` order, waits for its informer to see its own
/// creates and deletes before acting again (`PodExpectations`), and reports the counts in status.
public final class ReplicaSetController: Controller, Sendable {
    public static let component = "replicaset-controller"
    public var name: String { Self.component }

    let context: ControllerContext
    let queue = WorkQueue()
    let expectations: PodExpectations
    let pods: Informer
    let replicaSets: Informer
    let workers: Int
    /// At most this many pods are created or deleted in one sync (Kubernetes' burstReplicas).
    let burstReplicas: Int
    /// Every ReplicaSet is synced again this often, as a safety net for missed events.
    let resyncInterval: Duration?

    public init(context: ControllerContext, workers: Int = 5, burstReplicas: Int = 500,
                resyncInterval: Duration? = .seconds(30)) {
        self.context = context
        self.expectations = PodExpectations(now: context.now)
        self.pods = context.informers.informer(.pods)
        self.replicaSets = context.informers.informer(.replicaSets)
        self.workers = max(1, workers)
        self.burstReplicas = burstReplicas
        self.resyncInterval = resyncInterval
    }

    public func register() {
        replicaSets.addHandler { [weak self] old, new in self?.replicaSetChanged(old, new) }
        pods.addHandler { [weak self] old, new in self?.podChanged(old, new) }
    }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<workers {
                group.addTask {
                    await self.queue.run({ key in try await self.sync(key) }, onError: { key, error in
                        self.context.logger.debug("\(Self.component): sync \(key) failed, will retry: \(error)")
                    })
                }
            }
            if let interval = resyncInterval {
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: interval)
                        if Task.isCancelled { break }
                        for rs in self.replicaSets.list() { self.queue.add(WorkloadFields.key(rs)) }
                    }
                }
            }
        }
    }

    // MARK: Informer handlers (synchronous, cheap)

    func replicaSetChanged(_ old: JSON?, _ new: JSON?) {
        guard let new else {
            if let old {
                let key = WorkloadFields.key(old)
                expectations.forget(key)
                queue.add(key)
            }
            return
        }
        queue.add(WorkloadFields.key(new))
    }

    func podChanged(_ old: JSON?, _ new: JSON?) {
        switch (old, new) {
        case (nil, let pod?): podAdded(pod)
        case (let pod?, nil): podDeleted(pod)
        case (let old?, let new?): podUpdated(old, new)
        default: break
        }
    }

    func podAdded(_ pod: JSON) {
        if Ownership.isDeleting(pod) {
            // A pod seen first while already terminating (e.g. after a relist) counts as deleted.
            podDeleted(pod)
            return
        }
        if let ref = Ownership.controllerRef(pod) {
            guard let rs = resolveControllerRef(pod.namespace ?? "", ref) else { return }
            let key = WorkloadFields.key(rs)
            expectations.creationObserved(key)
            queue.add(key)
            return
        }
        for rs in replicaSetsSelecting(pod) { queue.add(WorkloadFields.key(rs)) }
    }

    func podUpdated(_ old: JSON, _ cur: JSON) {
        if old.resourceVersion == cur.resourceVersion { return }
        let labelsChanged = old.labels != cur.labels
        if Ownership.isDeleting(cur) {
            podDeleted(cur)
            if labelsChanged { podDeleted(old) }
            return
        }
        let curRef = Ownership.controllerRef(cur), oldRef = Ownership.controllerRef(old)
        let refChanged = curRef != oldRef
        if refChanged, let oldRef, let rs = resolveControllerRef(old.namespace ?? "", oldRef) {
            queue.add(WorkloadFields.key(rs))
        }
        if let curRef {
            guard let rs = resolveControllerRef(cur.namespace ?? "", curRef) else { return }
            let key = WorkloadFields.key(rs)
            queue.add(key)
            // Availability needs minReadySeconds to pass after readiness; nothing else will
            // wake the ReplicaSet then, so look again a second after that.
            let minReady = WorkloadFields.minReadySeconds(rs)
            if !WorkloadPodState.isReady(old) && WorkloadPodState.isReady(cur) && minReady > 0 {
                queue.add(key, after: Double(minReady) + 1)
            }
            return
        }
        if labelsChanged || refChanged {
            for rs in replicaSetsSelecting(cur) { queue.add(WorkloadFields.key(rs)) }
        }
    }

    func podDeleted(_ pod: JSON) {
        guard let ref = Ownership.controllerRef(pod), let rs = resolveControllerRef(pod.namespace ?? "", ref) else { return }
        let key = WorkloadFields.key(rs)
        expectations.deletionObserved(key, podKey: WorkloadPodState.key(pod))
        queue.add(key)
    }

    /// The cached ReplicaSet a controller reference points to, if it is still the same object.
    func resolveControllerRef(_ namespace: String, _ ref: JSON) -> JSON? {
        guard ref["kind"].string == "ReplicaSet", let name = ref["name"].string,
              let rs = replicaSets.get(namespace, name), rs.uid == ref["uid"].string else { return nil }
        return rs
    }

    /// ReplicaSets in the pod's namespace whose (non-empty) selector matches it.
    func replicaSetsSelecting(_ pod: JSON) -> [JSON] {
        replicaSets.list(namespace: pod.namespace ?? "").filter { rs in
            guard let selector = try? LabelSelector(selectorObject: rs["spec"]["selector"]), !selector.isEmpty else { return false }
            return selector.matches(pod.labels)
        }
    }
}
