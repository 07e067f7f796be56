import Foundation
import KubeAPI
import KubeClient

/// Pausing, scaling without a rollout, resizing ReplicaSets and history cleanup.
extension DeploymentReconcile {
    /// Marks the Progressing condition while paused (and when resumed), so time spent paused
    /// does not count against the progress deadline.
    func checkPausedConditions() async throws {
        guard spec.hasProgressDeadline else { return }
        let cond = DeploymentConditions.get(d["status"], DeploymentConditions.progressing)
        if cond?["reason"].string == DeploymentConditions.progressDeadlineExceeded { return }
        let pausedRecorded = cond?["reason"].string == DeploymentConditions.deploymentPaused
        if spec.paused && !pausedRecorded {
            DeploymentConditions.set(&d["status"], DeploymentConditions.make(
                DeploymentConditions.progressing, "Unknown", reason: DeploymentConditions.deploymentPaused,
                message: "Deployment is paused", now: now))
        } else if !spec.paused && pausedRecorded {
            DeploymentConditions.set(&d["status"], DeploymentConditions.make(
                DeploymentConditions.progressing, "Unknown", reason: DeploymentConditions.deploymentResumed,
                message: "Deployment is resumed", now: now))
        } else {
            return
        }
        try await writeStatus()
    }

    /// True when an active ReplicaSet was sized for a different replica count than the
    /// Deployment now asks for: a scale, not a template change.
    func isScalingEvent(_ rsList: [JSON]) async throws -> Bool {
        let (newRS, oldRSs) = try await replicaSetsSyncingRevision(rsList, create: false)
        let all = oldRSs + (newRS.map { [$0] } ?? [])
        for rs in ReplicaSetSums.active(all) {
            guard let desired = DeploymentAnnotations.desiredReplicas(of: rs) else { continue }
            if desired != spec.replicas { return true }
        }
        return false
    }

    /// Scaling (and paused Deployments): resize ReplicaSets without starting a rollout.
    func syncScaling(_ rsList: [JSON]) async throws {
        let (newRS, oldRSs) = try await replicaSetsSyncingRevision(rsList, create: false)
        try await scale(newRS: newRS, oldRSs: oldRSs)
        if spec.paused && rollbackTo == nil {
            try await cleanupDeployment(oldRSs)
        }
        try await syncDeploymentStatus(oldRSs + (newRS.map { [$0] } ?? []), newRS: newRS)
    }

    func syncStatusOnly(_ rsList: [JSON]) async throws {
        let (newRS, oldRSs) = try await replicaSetsSyncingRevision(rsList, create: false)
        try await syncDeploymentStatus(oldRSs + (newRS.map { [$0] } ?? []), newRS: newRS)
    }

    /// Resizes `rs` to `newScale` (and refreshes its replica annotations); records a
    /// ScalingReplicaSet event when the size changed. Returns whether it scaled, and the RS.
    func scaleReplicaSet(_ rs: JSON, to newScale: Int, operation: String) async throws -> (Bool, JSON) {
        let oldScale = WorkloadFields.specReplicas(rs)
        let spec = self.spec
        let sizeChanges = oldScale != newScale
        let annotationsChange = DeploymentAnnotations.replicasAnnotationsNeedUpdate(
            rs, desired: spec.replicas, max: spec.replicas + spec.maxSurge)
        guard sizeChanges || annotationsChange else { return (false, rs) }
        var next = rs
        next["spec"]["replicas"] = .int(Int64(newScale))
        _ = DeploymentAnnotations.setReplicasAnnotations(&next, desired: spec.replicas, max: spec.replicas + spec.maxSurge)
        let stored = WorkloadFields.typed(try await client.update(.replicaSets, next, subresource: nil, fieldManager: component),
                                          .replicaSets)
        guard sizeChanges else { return (false, stored) }
        await event(.normal, "ScalingReplicaSet", "Scaled \(operation) replica set \(rs.name ?? "") from \(oldScale) to \(newScale)")
        return (true, stored)
    }

    func scaleAndRecord(_ rs: JSON, to newScale: Int) async throws -> (Bool, JSON) {
        let current = WorkloadFields.specReplicas(rs)
        if current == newScale { return (false, rs) }
        return try await scaleReplicaSet(rs, to: newScale, operation: current < newScale ? "up" : "down")
    }

    /// Scaling while a rollout may be under way: one active ReplicaSet takes the full count; a
    /// saturated new ReplicaSet takes over from the old ones; otherwise the change is spread
    /// over the active ReplicaSets in proportion to their sizes.
    func scale(newRS: JSON?, oldRSs: [JSON]) async throws {
        let spec = self.spec
        if let target = DeploymentRollout.activeOrLatest(newRS: newRS, oldRSs: oldRSs) {
            if WorkloadFields.specReplicas(target) == spec.replicas { return }
            _ = try await scaleAndRecord(target, to: spec.replicas)
            return
        }
        if let newRS, DeploymentRollout.isSaturated(spec, newRS) {
            for old in ReplicaSetSums.active(oldRSs) { _ = try await scaleAndRecord(old, to: 0) }
            return
        }
        guard spec.isRollingUpdate else { return }
        var active = ReplicaSetSums.active(oldRSs + (newRS.map { [$0] } ?? []))
        let current = ReplicaSetSums.specReplicas(active)
        let allowed = spec.replicas > 0 ? spec.replicas + spec.maxSurge : 0
        let toAdd = allowed - current
        var operation = ""
        if toAdd > 0 {
            active.sort(by: ReplicaSetSums.bySizeNewer)
            operation = "up"
        } else if toAdd < 0 {
            active.sort(by: ReplicaSetSums.bySizeOlder)
            operation = "down"
        }
        var added = 0
        var sizes: [Int] = []
        for rs in active {
            if toAdd != 0 {
                let share = DeploymentRollout.proportion(rs, spec: spec, deployment: d, toAdd: toAdd, added: added)
                sizes.append(WorkloadFields.specReplicas(rs) + share)
                added += share
            } else {
                sizes.append(WorkloadFields.specReplicas(rs))
            }
        }
        for (i, rs) in active.enumerated() {
            if i == 0 && toAdd != 0 {
                // Rounding leftovers go to the largest ReplicaSet.
                sizes[0] = max(0, sizes[0] + toAdd - added)
            }
            _ = try await scaleReplicaSet(rs, to: sizes[i], operation: operation)
        }
    }

    /// Deletes the oldest ReplicaSets beyond revisionHistoryLimit, if they are fully scaled down.
    func cleanupDeployment(_ oldRSs: [JSON]) async throws {
        guard let limit = spec.revisionHistoryLimit else { return }
        let alive = oldRSs.filter { !Ownership.isDeleting($0) }
        let excess = alive.count - limit
        guard excess > 0 else { return }
        for rs in alive.sorted(by: DeploymentAnnotations.byRevision).prefix(excess) {
            if WorkloadFields.statusCount(rs, "replicas") != 0 || WorkloadFields.specReplicas(rs) != 0
                || WorkloadFields.generation(rs) > (rs["status"]["observedGeneration"].int ?? 0) || Ownership.isDeleting(rs) {
                continue
            }
            do {
                try await client.delete(.replicaSets, namespace: rs.namespace, name: rs.name ?? "",
                                        options: ["propagationPolicy": "Background"])
            } catch where WorkloadFields.isNotFound(error) {}
        }
    }
}
