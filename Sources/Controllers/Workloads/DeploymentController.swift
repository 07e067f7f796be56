import Foundation
import KubeAPI
import KubeClient
import Logging
import Synchronization

/// Rolls Deployments out through ReplicaSets, as kube-controller-manager's "deployment-controller"
/// does: one ReplicaSet per pod template (`<deployment>-<pod-template-hash>`), rolling updates
/// within maxSurge/maxUnavailable or Recreate, proportional scaling during a rollout, revision
/// bookkeeping (`deployment.kubernetes.io/revision`), history cleanup, paused Deployments, the
/// legacy rollback annotation, and the status and conditions `kubectl rollout status` waits on.
public final class DeploymentController: Controller, Sendable {
    public static let component = "deployment-controller"
    public var name: String { Self.component }

    let context: ControllerContext
    let queue = WorkQueue()
    let deployments: Informer
    let replicaSets: Informer
    let pods: Informer
    let workers: Int
    let resyncInterval: Duration?
    /// When each key is already due to be looked at again, so repeated syncs of a stuck rollout
    /// do not pile up timers (client-go's delaying queue keeps only the earliest, too).
    private let requeueAt = Mutex<[String: Date]>([:])

    public init(context: ControllerContext, workers: Int = 5, resyncInterval: Duration? = .seconds(30)) {
        self.context = context
        self.deployments = context.informers.informer(.deployments)
        self.replicaSets = context.informers.informer(.replicaSets)
        self.pods = context.informers.informer(.pods)
        self.workers = max(1, workers)
        self.resyncInterval = resyncInterval
    }

    public func register() {
        deployments.addHandler { [weak self] old, new in
            guard let self, let d = new ?? old else { return }
            self.queue.add(WorkloadFields.key(d))
        }
        replicaSets.addHandler { [weak self] old, new in self?.replicaSetChanged(old, new) }
        pods.addHandler { [weak self] old, new in
            if let old, new == nil { self?.podDeleted(old) }
        }
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
                        for d in self.deployments.list() { self.queue.add(WorkloadFields.key(d)) }
                    }
                }
            }
        }
    }

    /// Adds `key` to the queue after `seconds`, unless it is already due sooner.
    func requeue(_ key: String, after seconds: TimeInterval) {
        let due = Date().addingTimeInterval(seconds)
        let schedule = requeueAt.withLock { m -> Bool in
            if let existing = m[key], existing > Date(), existing <= due { return false }
            m[key] = due
            return true
        }
        if schedule { queue.add(key, after: seconds) }
    }

    func sync(_ key: String) async throws {
        let (namespace, name) = WorkloadFields.split(key)
        guard let cached = deployments.get(namespace, name) else { return }
        let reconcile = DeploymentReconcile(controller: self, key: key, deployment: WorkloadFields.typed(cached, .deployments))
        try await reconcile.syncDeployment()
    }

    // MARK: Informer handlers

    func replicaSetChanged(_ old: JSON?, _ new: JSON?) {
        switch (old, new) {
        case (nil, let rs?):
            if Ownership.isDeleting(rs) { return replicaSetDeleted(rs) }
            if let ref = Ownership.controllerRef(rs) {
                if let d = resolveControllerRef(rs.namespace ?? "", ref) { queue.add(WorkloadFields.key(d)) }
                return
            }
            for d in deploymentsSelecting(rs) { queue.add(WorkloadFields.key(d)) }
        case (let old?, let cur?):
            if old.resourceVersion == cur.resourceVersion { return }
            let curRef = Ownership.controllerRef(cur), oldRef = Ownership.controllerRef(old)
            let refChanged = curRef != oldRef
            if refChanged, let oldRef, let d = resolveControllerRef(old.namespace ?? "", oldRef) {
                queue.add(WorkloadFields.key(d))
            }
            if let curRef {
                if let d = resolveControllerRef(cur.namespace ?? "", curRef) { queue.add(WorkloadFields.key(d)) }
                return
            }
            if refChanged || old.labels != cur.labels {
                for d in deploymentsSelecting(cur) { queue.add(WorkloadFields.key(d)) }
            }
        case (let rs?, nil):
            replicaSetDeleted(rs)
        default:
            break
        }
    }

    func replicaSetDeleted(_ rs: JSON) {
        guard let ref = Ownership.controllerRef(rs), let d = resolveControllerRef(rs.namespace ?? "", ref) else { return }
        queue.add(WorkloadFields.key(d))
    }

    /// A Recreate rollout waits for the old pods to be gone; their deletions wake it.
    func podDeleted(_ pod: JSON) {
        let namespace = pod.namespace ?? ""
        guard let podRef = Ownership.controllerRef(pod), podRef["kind"].string == "ReplicaSet",
              let rs = replicaSets.get(namespace, podRef["name"].string ?? ""), rs.uid == podRef["uid"].string,
              let rsRef = Ownership.controllerRef(rs), let d = resolveControllerRef(namespace, rsRef) else { return }
        if DeploymentSpecView(d).strategyType == "Recreate" { queue.add(WorkloadFields.key(d)) }
    }

    func resolveControllerRef(_ namespace: String, _ ref: JSON) -> JSON? {
        guard ref["kind"].string == "Deployment", let name = ref["name"].string,
              let d = deployments.get(namespace, name), d.uid == ref["uid"].string else { return nil }
        return d
    }

    /// Deployments in the ReplicaSet's namespace whose (non-empty) selector matches its labels.
    func deploymentsSelecting(_ rs: JSON) -> [JSON] {
        guard !rs.labels.isEmpty else { return [] }
        return deployments.list(namespace: rs.namespace ?? "").filter { d in
            guard let selector = try? LabelSelector(selectorObject: d["spec"]["selector"]), !selector.isEmpty else { return false }
            return selector.matches(rs.labels)
        }
    }
}
