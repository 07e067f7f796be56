import Foundation
import KubeAPI
import KubeClient
import Synchronization

/// kube-controller-manager's node lifecycle controller. Every `monitorPeriod` it checks each node's health
/// signals (its Lease in `kube-node-lease` and the Ready condition's heartbeat, timed by when this controller
/// saw them change, so clock skew does not matter). A node silent for longer than `gracePeriod`
/// (`startupGracePeriod` if it never reported) gets Ready, MemoryPressure, DiskPressure and PIDPressure set to
/// Unknown ("Kubelet stopped posting node status."), a `NodeNotReady` event, and its pods' Ready conditions
/// set to False. Node conditions are mirrored as NoSchedule taints (not-ready, unreachable, pressure,
/// unschedulable), and unhealthy nodes get the matching NoExecute taint unless every node of the cluster is
/// down (then, as Kubernetes does, nothing is evicted). When the node reports again its taints go away.
public final class NodeLifecycleController: Controller, Sendable {
    public static let component = "node-controller"
    public let name = NodeLifecycleController.component

    static let leaseNamespace = "kube-node-lease"
    /// Zones with more nodes than this keep evicting slowly when partially disrupted; smaller ones stop.
    static let largeClusterThreshold = 50
    static let unhealthyZoneThreshold = 0.55

    let context: ControllerContext
    let gracePeriod: Double
    let startupGracePeriod: Double
    let monitorPeriod: Double
    let nodes: Informer
    let leases: Informer
    let pods: Informer
    /// Nodes whose NoSchedule condition taints need reconciling.
    let nodeQueue = WorkQueue()
    /// Pods newly bound to a node that is not Ready.
    let podQueue = WorkQueue()

    struct Health {
        var probeTimestamp: Date
        var readyTransitionTimestamp: Date
        var status: JSON
        var leaseRenewTime: Date?
    }
    enum ZoneState: Equatable { case initial, normal, partialDisruption, fullDisruption }
    struct State {
        var health: [String: Health] = [:]
        var known: [String: JSON] = [:]
        var needsPodRetry: Set<String> = []
        /// Nodes waiting for their NoExecute taint.
        var noExecuteQueue: Set<String> = []
        var zoneStates: [String: ZoneState] = [:]
        var zoneTaintingStopped: [String: Bool] = [:]
    }
    private let state = Mutex(State())

    /// `--node-monitor-grace-period` unless given: a node silent for 40 s turns NotReady, the long-standing
    /// Kubernetes default that swiftlet promises (Kubernetes 1.32 moved its own default to 50 s).
    public static let defaultGracePeriod: Double = 40

    /// - Parameters:
    ///   - gracePeriod: `--node-monitor-grace-period`, seconds without a heartbeat before the node turns NotReady.
    ///   - startupGracePeriod: `--node-startup-grace-period`, for nodes that never posted a Ready condition.
    ///   - monitorPeriod: `--node-monitor-period`, how often health is checked.
    public init(context: ControllerContext, gracePeriod: Double = defaultGracePeriod, startupGracePeriod: Double = 60,
                monitorPeriod: Double = 5) {
        self.context = context
        self.gracePeriod = gracePeriod
        self.startupGracePeriod = startupGracePeriod
        self.monitorPeriod = monitorPeriod
        nodes = context.informers.informer(.nodes)
        leases = context.informers.informer(.leases)
        pods = context.informers.informer(.pods)
    }

    public func register() {
        nodes.addHandler { [self] _, new in
            if let name = new?.name { nodeQueue.add(name) }
        }
        pods.addHandler { [self] old, new in
            guard let new, let node = new["spec"]["nodeName"].string, !node.isEmpty,
                  old?["spec"]["nodeName"].string != node else { return }
            podQueue.add(Informer.key(new))
        }
    }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [self] in
                await nodeQueue.run({ [self] name in try await reconcileNoScheduleTaints(name) }, onError: { [self] name, error in
                    context.logger.warning("tainting node \(name) failed: \(error)")
                })
            }
            group.addTask { [self] in
                await podQueue.run({ [self] key in try await processPod(key) }, onError: { [self] key, error in
                    context.logger.warning("marking pod \(key) not ready failed: \(error)")
                })
            }
            group.addTask { [self] in
                while !Task.isCancelled {
                    await monitorNodeHealth()
                    try? await Task.sleep(for: .milliseconds(Int(monitorPeriod * 1000)))
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// When a heartbeat of the node was last seen (for tests and diagnostics).
    func lastProbe(_ name: String) -> Date? { state.withLock { $0.health[name]?.probeTimestamp } }

    // MARK: Health monitoring

    func monitorNodeHealth() async {
        let all = nodes.list().sorted { ($0.name ?? "") < ($1.name ?? "") }
        let known = state.withLock { $0.known }
        let names = Set(all.compactMap(\.name))
        for node in all where known[node.name ?? ""] == nil {
            let name = node.name ?? ""
            await recordNodeEvent(node, reason: "RegisteredNode", event: "Registered Node \(name) in Controller")
            state.withLock { $0.known[name] = node }
            try? await markNodeAsReachable(node)
        }
        for (name, node) in known where !names.contains(name) {
            await recordNodeEvent(node, reason: "RemovingNode", event: "Removing Node \(name) from Controller")
            state.withLock { s in
                s.known.removeValue(forKey: name)
                s.health.removeValue(forKey: name)
                s.needsPodRetry.remove(name)
                s.noExecuteQueue.remove(name)
            }
        }

        var zoneConditions: [String: [JSON?]] = [:]
        for original in all {
            var node = original
            var result: HealthResult?
            for _ in 0..<5 {
                do {
                    result = try await tryUpdateNodeHealth(node)
                    break
                } catch {
                    context.logger.debug("updating health of node \(node.name ?? "") failed: \(error)")
                    guard let fresh = try? await context.client.get(.nodes, namespace: nil, name: node.name ?? "") else { break }
                    node = fresh
                }
            }
            guard let result else { continue }
            node = result.node
            if node.labels["node.kubernetes.io/exclude-disruption"] == nil {
                zoneConditions[Self.zoneKey(node), default: []].append(result.current)
            }
            guard let current = result.current else { continue }
            await processTaintBasedEviction(node, observedStatus: result.observed["status"].string ?? "Unknown")

            let name = node.name ?? ""
            let observedReady = result.observed["status"].string == "True"
            let currentReady = current["status"].string == "True"
            let needsRetry = state.withLock { $0.needsPodRetry.contains(name) }
            if !currentReady && observedReady {
                await recordStatusChange(node, "NodeNotReady")
            }
            if (!currentReady && observedReady) || (needsRetry && !observedReady) {
                let onNode = pods.list().filter { $0["spec"]["nodeName"].string == name }
                if await markPodsNotReady(onNode, nodeName: name) {
                    state.withLock { _ = $0.needsPodRetry.remove(name) }
                } else {
                    state.withLock { _ = $0.needsPodRetry.insert(name) }
                }
            } else {
                state.withLock { _ = $0.needsPodRetry.remove(name) }
            }
        }
        await handleDisruption(zoneConditions, all)
        await applyNoExecuteTaints()
    }

    /// The Ready condition before and after one health check, and the node as it now is.
    struct HealthResult {
        let observed: JSON
        let current: JSON?
        let node: JSON
    }

    /// Folds the node's latest signals into what this controller last saw, and marks the node Unknown when
    /// the signals are too old.
    func tryUpdateNodeHealth(_ node: JSON) async throws -> HealthResult {
        let name = node.name ?? ""
        let now = context.now()
        let created = ClusterObjects.date(node["metadata"]["creationTimestamp"]) ?? now
        let previous = state.withLock { $0.health[name] }
        let currentReady = ClusterObjects.condition(node, "Ready")
        let observed: JSON
        let grace: Double
        var base = previous
        if let currentReady {
            observed = currentReady
            grace = gracePeriod
        } else {
            // Never reported: judge it from its creation, with the longer start-up grace.
            let createdText = node["metadata"]["creationTimestamp"]
            observed = ["type": "Ready", "status": "Unknown", "lastHeartbeatTime": createdText, "lastTransitionTime": createdText]
            grace = startupGracePeriod
            if base != nil {
                base?.status = node["status"]
            } else {
                base = Health(probeTimestamp: created, readyTransitionTimestamp: created, status: node["status"])
            }
        }
        let saved = previous.flatMap { h in h.status["conditions"].elements.first { $0["type"].string == "Ready" } }
        let savedLease = previous?.leaseRenewTime
        var health: Health
        if let b = base, !((saved == nil) != (currentReady == nil)) {
            health = b
            if let saved, let currentReady, saved["lastHeartbeatTime"] != currentReady["lastHeartbeatTime"] {
                // A new heartbeat: probe time is when we saw it; a changed transition restarts that clock.
                let transition = saved["lastTransitionTime"] != currentReady["lastTransitionTime"]
                    ? now : b.readyTransitionTimestamp
                health = Health(probeTimestamp: now, readyTransitionTimestamp: transition, status: node["status"],
                                leaseRenewTime: savedLease)
            }
        } else {
            // First sight of the node, or its Ready condition appeared or vanished: start counting now.
            health = Health(probeTimestamp: now, readyTransitionTimestamp: now, status: node["status"], leaseRenewTime: savedLease)
        }
        // A renewed Lease is a heartbeat too (the kubelet renews it every 10 s, posting status less often).
        if let lease = leases.get(Self.leaseNamespace, name), let renew = ClusterObjects.date(lease["spec"]["renewTime"]),
           savedLease.map({ $0 < renew }) ?? true {
            health.leaseRenewTime = renew
            health.probeTimestamp = now
        }
        defer { let h = health; state.withLock { $0.health[name] = h } }

        guard now > health.probeTimestamp.addingTimeInterval(grace) else {
            return HealthResult(observed: observed, current: currentReady, node: node)
        }
        var updated = node
        var conditions = node["status"]["conditions"].elements
        let stamp = ClusterObjects.timestamp(now)
        for type in ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure"] {
            if let i = conditions.firstIndex(where: { $0["type"].string == type }) {
                guard conditions[i]["status"].string != "Unknown" else { continue }
                conditions[i]["status"] = "Unknown"
                conditions[i]["reason"] = "NodeStatusUnknown"
                conditions[i]["message"] = "Kubelet stopped posting node status."
                conditions[i]["lastTransitionTime"] = .string(stamp)
            } else {
                conditions.append(["type": .string(type), "status": "Unknown", "reason": "NodeStatusNeverUpdated",
                                   "message": "Kubelet never posted node status.",
                                   "lastHeartbeatTime": node["metadata"]["creationTimestamp"],
                                   "lastTransitionTime": .string(stamp)])
            }
        }
        updated["status"]["conditions"] = .array(conditions)
        let newReady = ClusterObjects.condition(updated, "Ready")
        guard newReady != observed else { return HealthResult(observed: observed, current: newReady, node: node) }
        let written = try await context.client.update(.nodes, updated, subresource: "status", fieldManager: Self.component)
        health = Health(probeTimestamp: health.probeTimestamp, readyTransitionTimestamp: now,
                        status: written["status"], leaseRenewTime: health.leaseRenewTime)
        return HealthResult(observed: observed, current: newReady, node: written)
    }

    // MARK: Pods

    /// Sets the Ready condition of the node's pods to False (keeping its reason and message), with a
    /// `NodeNotReady` event on each. Returns false when some pod could not be updated.
    func markPodsNotReady(_ podsOnNode: [JSON], nodeName: String) async -> Bool {
        var ok = true
        for pod in podsOnNode where pod["spec"]["nodeName"].string == nodeName {
            guard var ready = ClusterObjects.condition(pod, "Ready"), ready["status"].string != "False" else { continue }
            ready["status"] = "False"
            ready["lastTransitionTime"] = .string(ClusterObjects.timestamp(context.now()))
            let patch: JSON = ["status": ["conditions": [ready]]]
            do {
                _ = try await context.client.patch(.pods, namespace: pod.namespace, name: pod.name ?? "", type: .strategic,
                                                   patch: patch, subresource: "status", fieldManager: Self.component)
            } catch let error as ClientError where error.isNotFound {
                continue
            } catch {
                context.logger.info("setting pod \(Informer.key(pod)) not ready failed: \(error)")
                ok = false
                continue
            }
            await context.events.record(ClusterObjects.typed(pod, kind: "Pod"), .warning, reason: "NodeNotReady",
                                        message: "Node is not ready", component: Self.component)
        }
        return ok
    }

    /// A pod bound to a node already known to be unhealthy is marked not ready straight away.
    func processPod(_ key: String) async throws {
        guard let pod = pods.get(key: key), let nodeName = pod["spec"]["nodeName"].string,
              let health = state.withLock({ $0.health[nodeName] }), nodes.get("", nodeName) != nil,
              let ready = health.status["conditions"].elements.first(where: { $0["type"].string == "Ready" })
        else { return }
        if ready["status"].string != "True" {
            if !(await markPodsNotReady([pod], nodeName: nodeName)) {
                throw ClientError(code: 500, reason: "InternalError", message: "marking pod \(key) not ready failed")
            }
        }
    }

    // MARK: Taints

    /// NoSchedule taints that mirror the node's conditions and `spec.unschedulable` (TaintNodesByCondition).
    func reconcileNoScheduleTaints(_ name: String) async throws {
        guard let node = nodes.get("", name) else { return }
        var wanted: [SchedulerTaint] = []
        for c in node["status"]["conditions"].elements {
            if let key = NodeTaintKeys.byCondition[c["type"].string ?? ""]?[c["status"].string ?? ""] {
                wanted.append(SchedulerTaint(key: key, effect: "NoSchedule"))
            }
        }
        if node["spec"]["unschedulable"].bool == true {
            wanted.append(SchedulerTaint(key: NodeTaintKeys.unschedulable, effect: "NoSchedule"))
        }
        let managed = node["spec"]["taints"].elements.map(SchedulerTaint.init).filter {
            $0.effect == "NoSchedule" && ($0.key == NodeTaintKeys.unschedulable || NodeTaintKeys.conditionKeys.contains($0.key))
        }
        let add = wanted.filter { w in !managed.contains { $0.key == w.key && $0.effect == w.effect } }
        let remove = managed.filter { m in !wanted.contains { $0.key == m.key && $0.effect == m.effect } }
        guard !add.isEmpty || !remove.isEmpty else { return }
        try await swapTaints(node, add: add, remove: remove)
    }

    /// Replaces taints on the node, stamping the added ones with `timeAdded`. Uses the informer copy's
    /// resourceVersion, so a concurrent change makes it fail with a conflict and be retried on fresh data.
    func swapTaints(_ node: JSON, add: [SchedulerTaint], remove: [SchedulerTaint]) async throws {
        let stamp = ClusterObjects.timestamp(context.now())
        var taints = node["spec"]["taints"].elements.filter { t in
            let st = SchedulerTaint(t)
            return !remove.contains { $0.key == st.key && $0.effect == st.effect }
                && !add.contains { $0.key == st.key && $0.effect == st.effect }
        }
        for t in add {
            var j: JSON = ["key": .string(t.key), "effect": .string(t.effect), "timeAdded": .string(stamp)]
            if !t.value.isEmpty { j["value"] = .string(t.value) }
            taints.append(j)
        }
        var updated = node
        updated["spec"]["taints"] = taints.isEmpty ? .null : .array(taints)
        guard updated != node else { return }
        _ = try await context.client.update(.nodes, updated, subresource: nil, fieldManager: Self.component)
    }

    static let notReadyNoExecute = SchedulerTaint(key: NodeTaintKeys.notReady, effect: "NoExecute")
    static let unreachableNoExecute = SchedulerTaint(key: NodeTaintKeys.unreachable, effect: "NoExecute")

    static func hasTaint(_ node: JSON, _ taint: SchedulerTaint) -> Bool {
        node["spec"]["taints"].elements.contains { SchedulerTaint($0).key == taint.key && SchedulerTaint($0).effect == taint.effect }
    }

    /// Removes the NoExecute taints of an unhealthy node and forgets any pending tainting.
    func markNodeAsReachable(_ node: JSON) async throws {
        state.withLock { _ = $0.noExecuteQueue.remove(node.name ?? "") }
        let remove = [Self.unreachableNoExecute, Self.notReadyNoExecute].filter { Self.hasTaint(node, $0) }
        guard !remove.isEmpty else { return }
        try await swapTaints(node, add: [], remove: remove)
    }

    private func processTaintBasedEviction(_ node: JSON, observedStatus: String) async {
        let name = node.name ?? ""
        switch observedStatus {
        case "False":
            if Self.hasTaint(node, Self.unreachableNoExecute) {
                try? await swapTaints(node, add: [Self.notReadyNoExecute], remove: [Self.unreachableNoExecute])
            } else if !Self.hasTaint(node, Self.notReadyNoExecute) {
                state.withLock { _ = $0.noExecuteQueue.insert(name) }
            }
        case "Unknown":
            if Self.hasTaint(node, Self.notReadyNoExecute) {
                try? await swapTaints(node, add: [Self.unreachableNoExecute], remove: [Self.notReadyNoExecute])
            } else if !Self.hasTaint(node, Self.unreachableNoExecute) {
                state.withLock { _ = $0.noExecuteQueue.insert(name) }
            }
        default:
            try? await markNodeAsReachable(node)
        }
    }

    /// Gives queued nodes their NoExecute taint, unless tainting in their zone is stopped by a disruption.
    private func applyNoExecuteTaints() async {
        let (queued, stopped) = state.withLock { ($0.noExecuteQueue, $0.zoneTaintingStopped) }
        for name in queued.sorted() {
            guard let node = nodes.get("", name) else {
                state.withLock { _ = $0.noExecuteQueue.remove(name) }
                continue
            }
            if stopped[Self.zoneKey(node)] == true { continue }
            guard let ready = ClusterObjects.condition(node, "Ready") else { continue }
            let add: SchedulerTaint, opposite: SchedulerTaint
            switch ready["status"].string {
            case "False": (add, opposite) = (Self.notReadyNoExecute, Self.unreachableNoExecute)
            case "Unknown": (add, opposite) = (Self.unreachableNoExecute, Self.notReadyNoExecute)
            default:
                state.withLock { _ = $0.noExecuteQueue.remove(name) }
                continue
            }
            if (try? await swapTaints(node, add: Self.hasTaint(node, add) ? [] : [add], remove: [opposite])) != nil {
                state.withLock { _ = $0.noExecuteQueue.remove(name) }
            }
        }
    }

    // MARK: Disruption

    static func zoneKey(_ node: JSON) -> String {
        let l = node.labels
        let region = l["topology.kubernetes.io/region"] ?? l["failure-domain.beta.kubernetes.io/region"] ?? ""
        let zone = l["topology.kubernetes.io/zone"] ?? l["failure-domain.beta.kubernetes.io/zone"] ?? ""
        return region.isEmpty && zone.isEmpty ? "" : "\(region):\u{0}:\(zone)"
    }

    static func zoneState(_ readyConditions: [JSON?]) -> ZoneState {
        let ready = readyConditions.filter { $0?["status"].string == "True" }.count
        let notReady = readyConditions.count - ready
        if ready == 0 && notReady > 0 { return .fullDisruption }
        if notReady > 2 && Double(notReady) / Double(readyConditions.count) >= unhealthyZoneThreshold { return .partialDisruption }
        return .normal
    }

    /// When every zone has lost all its nodes the fault is most likely on the control-plane side, so nothing
    /// is evicted and NoExecute taints are lifted; small zones that are partly down stop evicting too.
    private func handleDisruption(_ zoneConditions: [String: [JSON?]], _ all: [JSON]) async {
        var newStates: [String: ZoneState] = [:]
        var allAreFull = true
        for (zone, conditions) in zoneConditions {
            let s = Self.zoneState(conditions)
            if s != .fullDisruption { allAreFull = false }
            newStates[zone] = s
        }
        let (entering, exiting) = state.withLock { s -> (Bool, Bool) in
            for zone in newStates.keys where s.zoneStates[zone] == nil { s.zoneStates[zone] = .initial }
            var allWereFull = true
            for zone in Array(s.zoneStates.keys) {
                guard newStates[zone] != nil else {
                    s.zoneStates.removeValue(forKey: zone)
                    s.zoneTaintingStopped.removeValue(forKey: zone)
                    continue
                }
                if s.zoneStates[zone] != .fullDisruption { allWereFull = false }
            }
            guard !allAreFull || !allWereFull else { return (false, false) }
            if allAreFull {
                for zone in s.zoneStates.keys { s.zoneStates[zone] = .fullDisruption; s.zoneTaintingStopped[zone] = true }
                return (true, false)
            }
            for (zone, new) in newStates where allWereFull || s.zoneStates[zone] != new {
                s.zoneStates[zone] = new
                let size = zoneConditions[zone]?.count ?? 0
                s.zoneTaintingStopped[zone] = new == .partialDisruption && size <= Self.largeClusterThreshold
            }
            return (false, allWereFull)
        }
        if entering {
            context.logger.info("all nodes are not ready: entering master disruption mode, no evictions")
            for node in all { try? await markNodeAsReachable(node) }
        } else if exiting {
            context.logger.info("some nodes are ready again: leaving master disruption mode")
            let now = context.now()
            state.withLock { s in
                for name in s.health.keys {
                    s.health[name]?.probeTimestamp = now
                    s.health[name]?.readyTransitionTimestamp = now
                }
            }
        }
    }

    // MARK: Events

    private func nodeReference(_ node: JSON) -> JSON {
        ["apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(node.name ?? ""), "uid": node["metadata"]["uid"]]]
    }

    private func recordNodeEvent(_ node: JSON, reason: String, event: String) async {
        await context.events.record(nodeReference(node), .normal, reason: reason,
                                    message: "Node \(node.name ?? "") event: \(event)", component: Self.component)
    }

    private func recordStatusChange(_ node: JSON, _ status: String) async {
        await context.events.record(nodeReference(node), .normal, reason: status,
                                    message: "Node \(node.name ?? "") status is now: \(status)", component: Self.component)
    }
}
