import Foundation
import KubeAPI

/// Pure rollout arithmetic over a Deployment's ReplicaSets (Kubernetes' deployment util).
enum DeploymentRollout {
    /// How big the new ReplicaSet may be now: for RollingUpdate, up to replicas + maxSurge pods in
    /// total and never beyond spec.replicas; for Recreate, spec.replicas at once.
    static func newReplicaSetReplicas(_ spec: DeploymentSpecView, allRSs: [JSON], newRS: JSON) -> Int {
        let current = WorkloadFields.specReplicas(newRS)
        guard spec.isRollingUpdate else { return spec.replicas }
        let total = ReplicaSetSums.specReplicas(allRSs)
        let maxTotal = spec.replicas + spec.maxSurge
        if total >= maxTotal { return current }
        let up = min(maxTotal - total, spec.replicas - current)
        return current + up
    }

    /// The only active ReplicaSet, or the newest one when none is active; nil when several are.
    static func activeOrLatest(newRS: JSON?, oldRSs: [JSON]) -> JSON? {
        if newRS == nil && oldRSs.isEmpty { return nil }
        let newestFirst = oldRSs.sorted { workloadOlderFirst($1, $0) }
        let active = ReplicaSetSums.active(newestFirst + (newRS.map { [$0] } ?? []))
        switch active.count {
        case 0: return newRS ?? newestFirst.first
        case 1: return active[0]
        default: return nil
        }
    }

    /// The new ReplicaSet has all its replicas, sized for the current count, all available.
    static func isSaturated(_ spec: DeploymentSpecView, _ rs: JSON) -> Bool {
        guard let desired = DeploymentAnnotations.desiredReplicas(of: rs) else { return false }
        return WorkloadFields.specReplicas(rs) == spec.replicas && desired == spec.replicas
            && WorkloadFields.statusCount(rs, "availableReplicas") == spec.replicas
    }

    /// This ReplicaSet's share of `toAdd` (negative when scaling down), given `added` so far.
    static func proportion(_ rs: JSON, spec: DeploymentSpecView, deployment: JSON, toAdd: Int, added: Int) -> Int {
        let size = WorkloadFields.specReplicas(rs)
        if size == 0 || toAdd == 0 || toAdd == added { return 0 }
        let fraction = self.fraction(rs, spec: spec, deployment: deployment)
        let allowed = toAdd - added
        return toAdd > 0 ? min(fraction, allowed) : max(fraction, allowed)
    }

    /// How many replicas the ReplicaSet should gain (or lose) to keep its share of the
    /// Deployment's maximum size, comparing with the maximum it was sized for.
    static func fraction(_ rs: JSON, spec: DeploymentSpecView, deployment: JSON) -> Int {
        let size = WorkloadFields.specReplicas(rs)
        if spec.replicas == 0 { return -size }
        let maxNow = spec.replicas + spec.maxSurge
        var maxBefore = DeploymentAnnotations.maxReplicas(of: rs) ?? 0
        if maxBefore == 0 { maxBefore = WorkloadFields.statusCount(deployment, "replicas") }
        guard maxBefore > 0 else { return 0 }
        let newSize = Double(size * maxNow) / Double(maxBefore)
        return Int(newSize.rounded(.toNearestOrAwayFromZero)) - size
    }

    /// All replicas updated, present and available, and the spec observed.
    static func isComplete(_ d: JSON, _ status: JSON) -> Bool {
        let replicas = DeploymentSpecView(d).replicas
        return (status["updatedReplicas"].int ?? 0) == replicas && (status["replicas"].int ?? 0) == replicas
            && (status["availableReplicas"].int ?? 0) == replicas
            && (status["observedGeneration"].int ?? 0) >= WorkloadFields.generation(d)
    }

    /// Some progress since the stored status: more updated, fewer old, more ready or available.
    static func isProgressing(_ d: JSON, _ newStatus: JSON) -> Bool {
        let old = d["status"]
        func n(_ s: JSON, _ f: String) -> Int64 { s[f].int ?? 0 }
        let oldOld = n(old, "replicas") - n(old, "updatedReplicas")
        let newOld = n(newStatus, "replicas") - n(newStatus, "updatedReplicas")
        return n(newStatus, "updatedReplicas") > n(old, "updatedReplicas") || newOld < oldOld
            || n(newStatus, "readyReplicas") > n(old, "readyReplicas")
            || n(newStatus, "availableReplicas") > n(old, "availableReplicas")
    }

    /// No progress for progressDeadlineSeconds since the Progressing condition was last updated.
    static func hasTimedOut(_ d: JSON, _ newStatus: JSON, now: Date) -> Bool {
        guard let deadline = DeploymentSpecView(d).progressDeadlineSeconds,
              let cond = DeploymentConditions.get(newStatus, DeploymentConditions.progressing) else { return false }
        let reason = cond["reason"].string
        if reason == DeploymentConditions.newReplicaSetAvailable { return false }
        if reason == DeploymentConditions.progressDeadlineExceeded { return true }
        guard let from = WorkloadTime.parse(cond["lastUpdateTime"]) else { return false }
        return from.addingTimeInterval(TimeInterval(deadline)) < now
    }
}
