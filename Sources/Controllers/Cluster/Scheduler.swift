import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// kube-scheduler's default profile, in-process: every pending pod that names `default-scheduler` is filtered
/// against all nodes, the feasible ones are scored, and the pod is bound to the best (ties broken at random).
/// A pod that fits nowhere gets a FailedScheduling event and PodScheduled=False/Unschedulable, and is tried
/// again when a node or an assigned pod changes (after a 1 s…10 s back-off), and at the latest every
/// `unschedulableRetryInterval` seconds.
///
/// Binding is a POST of a `Binding` to the `pods/<name>/binding` subresource through the KubeClient, as
/// kube-scheduler does; the API server sets spec.nodeName and PodScheduled=True.
public final class Scheduler: Controller, Sendable {
    public static let schedulerName = "default-scheduler"
    public let name = Scheduler.schedulerName

    let context: ControllerContext
    let unschedulableRetryInterval: Double
    let queue = WorkQueue()
    let pods: Informer
    let nodes: Informer
    let services: Informer
    let replicaSets: Informer

    struct Assumed { let uid: String; let node: String }
    struct Unschedulable { var attempts: Int; var backoffUntil: Date; var parkedAt: Date }
    struct State {
        /// Pods bound by this scheduler whose binding the pod informer has not shown yet: they already
        /// occupy their node, or two quick decisions would both pick the same free space.
        var assumed: [String: Assumed] = [:]
        var unschedulable: [String: Unschedulable] = [:]
    }
    private let state = Mutex(State())

    public init(context: ControllerContext, unschedulableRetryInterval: Double = 300) {
        self.context = context
        self.unschedulableRetryInterval = unschedulableRetryInterval
        pods = context.informers.informer(.pods)
        nodes = context.informers.informer(.nodes)
        services = context.informers.informer(.services)
        replicaSets = context.informers.informer(.replicaSets)
    }

    public func register() {
        pods.addHandler { [self] old, new in podChanged(old, new) }
        nodes.addHandler { [self] old, new in nodeChanged(old, new) }
    }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await queue.run({ [self] key in try await schedule(key) }, onError: { [self] key, error in
                    context.logger.warning("scheduling pod \(key) failed: \(error)")
                })
            }
            group.addTask { [self] in await flushLeftovers() }
            await group.next()
            group.cancelAll()
        }
    }

    /// Pods parked as unschedulable for longer than the retry interval are tried again even if nothing
    /// announced a change (the scheduling queue's periodic flush).
    private func flushLeftovers() async {
        let period = max(0.05, min(30, unschedulableRetryInterval / 2))
        while !Task.isCancelled {
            try? await Task.sleep(for: .milliseconds(Int(period * 1000)))
            let now = context.now()
            let due = state.withLock { s in
                s.unschedulable.filter { now.timeIntervalSince($0.value.parkedAt) >= unschedulableRetryInterval }.map(\.key)
            }
            for key in due { queue.add(key) }
        }
    }

    // MARK: Which pods, and when

    /// Pods this scheduler must place: unassigned, ours, not being deleted, not finished, not gated.
    static func needsScheduling(_ pod: JSON) -> Bool {
        (pod["spec"]["nodeName"].string ?? "").isEmpty
            && (pod["spec"]["schedulerName"].string ?? schedulerName) == schedulerName
            && !Ownership.isDeleting(pod)
            && pod["spec"]["schedulingGates"].elements.isEmpty
            && !SchedulerPodResources.isTerminal(pod)
    }

    static func isAssigned(_ pod: JSON) -> Bool { !(pod["spec"]["nodeName"].string ?? "").isEmpty }

    private func podChanged(_ old: JSON?, _ new: JSON?) {
        guard let new else {
            guard let old else { return }
            let key = Informer.key(old)
            let wasPlaced = state.withLock { s -> Bool in
                s.unschedulable.removeValue(forKey: key)
                return s.assumed.removeValue(forKey: key) != nil
            }
            // A pod that leaves a node frees its resources and ports.
            if (Self.isAssigned(old) || wasPlaced) && !SchedulerPodResources.isTerminal(old) { retryUnschedulable() }
            return
        }
        let key = Informer.key(new)
        if Self.isAssigned(new) {
            state.withLock { s in
                s.assumed.removeValue(forKey: key)
                s.unschedulable.removeValue(forKey: key)
            }
            if let old, !SchedulerPodResources.isTerminal(old), SchedulerPodResources.isTerminal(new) { retryUnschedulable() }
            return
        }
        guard Self.needsScheduling(new) else { return }
        // Our own status writes (the PodScheduled condition) must not trigger another attempt; a changed
        // spec, labels or gates may make the pod fit.
        if let old, Self.withoutStatus(old) == Self.withoutStatus(new) { return }
        queue.add(key, after: backoffRemaining(key))
    }

    private func nodeChanged(_ old: JSON?, _ new: JSON?) {
        guard let new else { return }
        // Heartbeats change the node every few seconds; only what filters look at is news.
        if let old, Self.schedulingView(old) == Self.schedulingView(new) { return }
        retryUnschedulable()
    }

    static func withoutStatus(_ pod: JSON) -> JSON {
        var p = pod
        p["status"] = .null
        p["metadata"]["resourceVersion"] = .null
        p["metadata"]["managedFields"] = .null
        return p
    }

    static func schedulingView(_ node: JSON) -> JSON {
        var conditions: [String: JSON] = [:]
        for c in node["status"]["conditions"].elements {
            if let t = c["type"].string { conditions[t] = c["status"] }
        }
        return ["unschedulable": node["spec"]["unschedulable"], "taints": node["spec"]["taints"],
                "labels": node["metadata"]["labels"], "allocatable": node["status"]["allocatable"],
                "conditions": .object(conditions)]
    }

    private func retryUnschedulable() {
        let now = context.now()
        let waiting = state.withLock { s in s.unschedulable.map { ($0.key, $0.value.backoffUntil) } }
        for (key, until) in waiting { queue.add(key, after: max(0, until.timeIntervalSince(now))) }
    }

    private func backoffRemaining(_ key: String) -> Double {
        guard let until = state.withLock({ $0.unschedulable[key]?.backoffUntil }) else { return 0 }
        return max(0, until.timeIntervalSince(context.now()))
    }

    // MARK: One scheduling attempt

    func schedule(_ key: String) async throws {
        guard let pod = pods.get(key: key) else {
            state.withLock { _ = $0.unschedulable.removeValue(forKey: key) }
            return
        }
        guard Self.needsScheduling(pod) else {
            state.withLock { _ = $0.unschedulable.removeValue(forKey: key) }
            return
        }
        if state.withLock({ $0.assumed[key]?.uid }) == pod.uid { return }

        let infos = nodeInfos()
        guard !infos.isEmpty else {
            await failed(pod, reason: "SchedulerError", message: SchedulingFailureMessage.noNodes)
            return
        }
        var feasible: [SchedulerNodeInfo] = []
        var failures: [SchedulerNodeFailure] = []
        for info in infos {
            if let failure = SchedulerFilters.check(pod, on: info) { failures.append(failure) } else { feasible.append(info) }
        }
        guard !feasible.isEmpty else {
            let message = SchedulingFailureMessage.fitError(nodeCount: infos.count, failures: failures, pod: pod)
            await failed(pod, reason: "Unschedulable", message: message)
            return
        }
        let scores = SchedulerScoring.scores(pod, nodes: feasible, spreadSelectors: spreadSelectors(for: pod))
        let best = scores.values.max() ?? 0
        guard let chosen = feasible.filter({ scores[$0.name] == best }).randomElement()?.name else { return }

        let namespace = pod.namespace ?? "default"
        let podName = pod.name ?? ""
        state.withLock { $0.assumed[key] = Assumed(uid: pod.uid ?? "", node: chosen) }
        do {
            try await context.client.bind(Binding.make(pod: pod, node: chosen), namespace: namespace)
        } catch let error as ClientError where error.isNotFound {
            state.withLock { _ = $0.assumed.removeValue(forKey: key) }
            return
        } catch {
            state.withLock { _ = $0.assumed.removeValue(forKey: key) }
            let message = (error as? ClientError)?.message ?? "\(error)"
            await failed(pod, reason: "SchedulerError", message: message, retryLater: false)
            throw error
        }
        state.withLock { _ = $0.unschedulable.removeValue(forKey: key) }
        await context.events.record(ClusterObjects.typed(pod, kind: "Pod"), .normal, reason: "Scheduled",
                                    message: "Successfully assigned \(namespace)/\(podName) to \(chosen)",
                                    component: Self.schedulerName)
    }

    /// Every node with the pods that hold its resources: bound pods that have not finished, and the pods
    /// this scheduler bound whose binding has not come back through the informer yet.
    func nodeInfos() -> [SchedulerNodeInfo] {
        var infos: [String: SchedulerNodeInfo] = [:]
        for n in nodes.list() { if let name = n.name { infos[name] = SchedulerNodeInfo(node: n) } }
        let assumed = state.withLock { $0.assumed }
        for p in pods.list() where !SchedulerPodResources.isTerminal(p) {
            var nodeName = p["spec"]["nodeName"].string ?? ""
            if nodeName.isEmpty, let a = assumed[Informer.key(p)], a.uid == p.uid { nodeName = a.node }
            if !nodeName.isEmpty { infos[nodeName]?.add(p) }
        }
        return infos.values.sorted { $0.name < $1.name }
    }

    /// The selectors of the Services and ReplicaSets that select the pod: their pods are spread apart.
    func spreadSelectors(for pod: JSON) -> [LabelSelector] {
        let labels = pod.labels
        var selectors: [LabelSelector] = []
        for s in services.list(namespace: pod.namespace ?? "default") {
            let selector = s["spec"]["selector"].stringMap
            guard !selector.isEmpty else { continue }
            let ls = LabelSelector(matchLabels: selector)
            if ls.matches(labels) { selectors.append(ls) }
        }
        for rs in replicaSets.list(namespace: pod.namespace ?? "default") {
            guard let ls = try? LabelSelector(selectorObject: rs["spec"]["selector"]), !ls.isEmpty,
                  !ls.matchesNothing, ls.matches(labels) else { continue }
            selectors.append(ls)
        }
        return selectors
    }

    // MARK: Failure

    /// Records the failure as kube-scheduler does (event, PodScheduled condition) and parks the pod until
    /// the cluster changes or the periodic retry comes.
    private func failed(_ pod: JSON, reason: String, message: String, retryLater: Bool = true) async {
        let key = Informer.key(pod)
        await context.events.record(ClusterObjects.typed(pod, kind: "Pod"), .warning, reason: "FailedScheduling", message: message,
                                    component: Self.schedulerName)
        await setUnschedulableCondition(pod, reason: reason, message: message)
        guard retryLater else { return }
        let now = context.now()
        state.withLock { s in
            var entry = s.unschedulable[key] ?? Unschedulable(attempts: 0, backoffUntil: now, parkedAt: now)
            entry.attempts += 1
            entry.parkedAt = now
            // 1 s doubling to 10 s, as the scheduling queue's pod back-off.
            entry.backoffUntil = now.addingTimeInterval(min(10, pow(2, Double(entry.attempts - 1))))
            s.unschedulable[key] = entry
        }
    }

    private func setUnschedulableCondition(_ pod: JSON, reason: String, message: String) async {
        let existing = pod["status"]["conditions"].elements.first { $0["type"].string == "PodScheduled" }
        if let existing, existing["status"].string == "False", existing["reason"].string == reason,
           existing["message"].string == message { return }
        var transition = ClusterObjects.timestamp(context.now())
        if let existing, existing["status"].string == "False", let t = existing["lastTransitionTime"].string {
            transition = t
        }
        let condition: JSON = ["type": "PodScheduled", "status": "False", "reason": .string(reason),
                               "message": .string(message), "lastTransitionTime": .string(transition)]
        let patch: JSON = ["status": ["conditions": [condition]]]
        do {
            _ = try await context.client.patch(.pods, namespace: pod.namespace, name: pod.name ?? "", type: .strategic,
                                               patch: patch, subresource: "status", fieldManager: Self.schedulerName)
        } catch {
            context.logger.debug("updating PodScheduled of pod \(Informer.key(pod)) failed: \(error)")
        }
    }
}
