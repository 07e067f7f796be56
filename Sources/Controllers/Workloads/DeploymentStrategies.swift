import Foundation
import KubeAPI

/// The two rollout strategies.
extension DeploymentReconcile {
    // MARK: RollingUpdate

    func rolloutRolling(_ rsList: [JSON]) async throws {
        let (created, oldRSs) = try await replicaSetsSyncingRevision(rsList, create: true)
        guard let newRS = created else { return }
        let allRSs = oldRSs + [newRS]
        if try await reconcileNewReplicaSet(allRSs, newRS) {
            return try await syncRolloutStatus(allRSs, newRS: newRS)
        }
        if try await reconcileOldReplicaSets(allRSs, ReplicaSetSums.active(oldRSs), newRS) {
            return try await syncRolloutStatus(allRSs, newRS: newRS)
        }
        if DeploymentRollout.isComplete(d, d["status"]) {
            try await cleanupDeployment(oldRSs)
        }
        try await syncRolloutStatus(allRSs, newRS: newRS)
    }

    /// Grows the new ReplicaSet as far as maxSurge allows (or shrinks it to spec.replicas).
    func reconcileNewReplicaSet(_ allRSs: [JSON], _ newRS: JSON) async throws -> Bool {
        let replicas = spec.replicas
        let current = WorkloadFields.specReplicas(newRS)
        if current == replicas { return false }
        if current > replicas { return try await scaleAndRecord(newRS, to: replicas).0 }
        let target = DeploymentRollout.newReplicaSetReplicas(spec, allRSs: allRSs, newRS: newRS)
        return try await scaleAndRecord(newRS, to: target).0
    }

    /// Shrinks old ReplicaSets as far as maxUnavailable allows, unhealthy replicas first.
    func reconcileOldReplicaSets(_ allRSs: [JSON], _ oldRSs: [JSON], _ newRS: JSON) async throws -> Bool {
        let oldCount = ReplicaSetSums.specReplicas(oldRSs)
        if oldCount == 0 { return false }
        let allCount = ReplicaSetSums.specReplicas(allRSs)
        let minAvailable = spec.replicas - spec.maxUnavailable
        let newUnavailable = WorkloadFields.specReplicas(newRS) - WorkloadFields.statusCount(newRS, "availableReplicas")
        let maxScaledDown = allCount - minAvailable - newUnavailable
        if maxScaledDown <= 0 { return false }
        let (cleaned, cleanedCount) = try await cleanupUnhealthyReplicas(oldRSs, maxCleanup: maxScaledDown)
        let scaledCount = try await scaleDownOldReplicaSetsForRollingUpdate(cleaned + [newRS], cleaned)
        return cleanedCount + scaledCount > 0
    }

    /// Removes replicas of old ReplicaSets that are not available anyway (oldest first), so a
    /// broken old revision cannot block the rollout.
    func cleanupUnhealthyReplicas(_ oldRSs: [JSON], maxCleanup: Int) async throws -> ([JSON], Int) {
        var list = oldRSs.sorted(by: workloadOlderFirst)
        var total = 0
        for i in list.indices {
            if total >= maxCleanup { break }
            let rs = list[i]
            let size = WorkloadFields.specReplicas(rs), available = WorkloadFields.statusCount(rs, "availableReplicas")
            if size == 0 || size == available { continue }
            let down = min(maxCleanup - total, size - available)
            let target = size - down
            if target > size {
                throw WorkloadError("when cleaning up unhealthy replicas, got invalid request to scale down \(rs.namespace ?? "")/\(rs.name ?? "") \(size) -> \(target)")
            }
            list[i] = try await scaleAndRecord(rs, to: target).1
            total += down
        }
        return (list, total)
    }

    /// Scales old ReplicaSets down (oldest first) while more than minAvailable pods are available.
    func scaleDownOldReplicaSetsForRollingUpdate(_ allRSs: [JSON], _ oldRSs: [JSON]) async throws -> Int {
        let minAvailable = spec.replicas - spec.maxUnavailable
        let available = ReplicaSetSums.available(allRSs)
        if available <= minAvailable { return 0 }
        let budget = available - minAvailable
        var total = 0
        for rs in oldRSs.sorted(by: workloadOlderFirst) {
            if total >= budget { break }
            let size = WorkloadFields.specReplicas(rs)
            if size == 0 { continue }
            let down = min(size, budget - total)
            _ = try await scaleAndRecord(rs, to: size - down)
            total += down
        }
        return total
    }

    // MARK: Recreate

    func rolloutRecreate(_ rsList: [JSON], podMap: [String: [JSON]]) async throws {
        // The new ReplicaSet is not created before the old pods are gone.
        var (newRS, oldRSs) = try await replicaSetsSyncingRevision(rsList, create: false)
        var allRSs = oldRSs + (newRS.map { [$0] } ?? [])
        var scaledDown = false
        for rs in ReplicaSetSums.active(oldRSs) {
            if try await scaleAndRecord(rs, to: 0).0 { scaledDown = true }
        }
        if scaledDown { return try await syncRolloutStatus(allRSs, newRS: newRS) }
        if oldPodsRunning(newRS: newRS, oldRSs: oldRSs, podMap: podMap) {
            return try await syncRolloutStatus(allRSs, newRS: newRS)
        }
        if newRS == nil {
            (newRS, oldRSs) = try await replicaSetsSyncingRevision(rsList, create: true)
            allRSs = oldRSs + (newRS.map { [$0] } ?? [])
        }
        if let rs = newRS { _ = try await scaleAndRecord(rs, to: spec.replicas) }
        if DeploymentRollout.isComplete(d, d["status"]) {
            try await cleanupDeployment(oldRSs)
        }
        try await syncRolloutStatus(allRSs, newRS: newRS)
    }

    /// Any pod of an old ReplicaSet still counted or not yet finished.
    func oldPodsRunning(newRS: JSON?, oldRSs: [JSON], podMap: [String: [JSON]]) -> Bool {
        if ReplicaSetSums.statusReplicas(oldRSs) > 0 { return true }
        for (uid, pods) in podMap where uid != newRS?.uid {
            for pod in pods {
                let phase = pod["status"]["phase"].string
                if phase != "Failed" && phase != "Succeeded" { return true }
            }
        }
        return false
    }
}
