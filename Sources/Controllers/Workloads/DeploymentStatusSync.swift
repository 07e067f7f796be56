import Foundation
import KubeAPI

/// The Deployment's status: counts summed over its ReplicaSets and the Available, Progressing
/// and ReplicaFailure conditions (Kubernetes' calculateStatus and syncRolloutStatus).
extension DeploymentReconcile {
    func calculateStatus(_ allRSs: [JSON], newRS: JSON?) -> JSON {
        let spec = self.spec
        let available = ReplicaSetSums.available(allRSs)
        let unavailable = max(0, ReplicaSetSums.specReplicas(allRSs) - available)
        var status: JSON = [:]
        status["observedGeneration"] = WorkloadFields.omitEmpty(Int(WorkloadFields.generation(d)))
        status["replicas"] = WorkloadFields.omitEmpty(ReplicaSetSums.statusReplicas(allRSs))
        status["updatedReplicas"] = WorkloadFields.omitEmpty(newRS.map { WorkloadFields.statusCount($0, "replicas") } ?? 0)
        status["readyReplicas"] = WorkloadFields.omitEmpty(ReplicaSetSums.ready(allRSs))
        status["availableReplicas"] = WorkloadFields.omitEmpty(available)
        status["unavailableReplicas"] = WorkloadFields.omitEmpty(unavailable)
        status["collisionCount"] = d["status"]["collisionCount"]
        status["conditions"] = d["status"]["conditions"]
        if available >= spec.replicas - spec.maxUnavailable {
            DeploymentConditions.set(&status, DeploymentConditions.make(
                DeploymentConditions.available, "True", reason: DeploymentConditions.minimumReplicasAvailable,
                message: "Deployment has minimum availability.", now: now))
        } else {
            DeploymentConditions.set(&status, DeploymentConditions.make(
                DeploymentConditions.available, "False", reason: DeploymentConditions.minimumReplicasUnavailable,
                message: "Deployment does not have minimum availability.", now: now))
        }
        return status
    }

    /// Status for scaling and paused Deployments: counts and availability, no progress estimate.
    func syncDeploymentStatus(_ allRSs: [JSON], newRS: JSON?) async throws {
        let status = calculateStatus(allRSs, newRS: newRS)
        if Self.sameStatus(d["status"], status) { return }
        d["status"] = status
        try await writeStatus()
    }

    static func sameStatus(_ a: JSON, _ b: JSON) -> Bool {
        PodTemplates.canonical(a) == PodTemplates.canonical(b)
    }

    /// Status during a rollout, with the Progressing condition: complete, progressing, or timed
    /// out after progressDeadlineSeconds without progress; failures of the ReplicaSets surface as
    /// ReplicaFailure. Unchanged status is not written, but a rollout that might time out is
    /// looked at again when its deadline passes.
    func syncRolloutStatus(_ allRSs: [JSON], newRS: JSON?) async throws {
        var status = calculateStatus(allRSs, newRS: newRS)
        let spec = self.spec
        if !spec.hasProgressDeadline { DeploymentConditions.remove(&status, DeploymentConditions.progressing) }
        let current = DeploymentConditions.get(d["status"], DeploymentConditions.progressing)
        let alreadyComplete = (status["replicas"].int ?? 0) == (status["updatedReplicas"].int ?? 0)
            && current?["reason"].string == DeploymentConditions.newReplicaSetAvailable
        if spec.hasProgressDeadline && !alreadyComplete {
            let rsName = newRS?.name
            if DeploymentRollout.isComplete(d, status) {
                let message = rsName.map { "ReplicaSet \"\($0)\" has successfully progressed." }
                    ?? "Deployment \"\(name)\" has successfully progressed."
                DeploymentConditions.set(&status, DeploymentConditions.make(
                    DeploymentConditions.progressing, "True", reason: DeploymentConditions.newReplicaSetAvailable,
                    message: message, now: now))
            } else if DeploymentRollout.isProgressing(d, status) {
                let message = rsName.map { "ReplicaSet \"\($0)\" is progressing." } ?? "Deployment \"\(name)\" is progressing."
                var condition = DeploymentConditions.make(
                    DeploymentConditions.progressing, "True", reason: DeploymentConditions.replicaSetUpdated,
                    message: message, now: now)
                // Progress refreshes lastUpdateTime even when the reason stays the same.
                if let current {
                    if current["status"].string == "True" { condition["lastTransitionTime"] = current["lastTransitionTime"] }
                    DeploymentConditions.remove(&status, DeploymentConditions.progressing)
                }
                DeploymentConditions.set(&status, condition)
            } else if DeploymentRollout.hasTimedOut(d, status, now: now) {
                let message = rsName.map { "ReplicaSet \"\($0)\" has timed out progressing." }
                    ?? "Deployment \"\(name)\" has timed out progressing."
                DeploymentConditions.set(&status, DeploymentConditions.make(
                    DeploymentConditions.progressing, "False", reason: DeploymentConditions.progressDeadlineExceeded,
                    message: message, now: now))
            }
        }
        if let failure = replicaFailure(allRSs, newRS: newRS) {
            DeploymentConditions.set(&status, failure)
        } else {
            DeploymentConditions.remove(&status, DeploymentConditions.replicaFailure)
        }
        if Self.sameStatus(d["status"], status) {
            requeueIfStuck(status)
            return
        }
        d["status"] = status
        try await writeStatus()
    }

    /// A ReplicaFailure condition of the new ReplicaSet (else of an old one), as a Deployment
    /// condition.
    func replicaFailure(_ allRSs: [JSON], newRS: JSON?) -> JSON? {
        let ordered = (newRS.map { [$0] } ?? []) + allRSs.filter { $0.uid != newRS?.uid }
        for rs in ordered {
            guard let c = ReplicaSetStatus.condition(rs["status"], ReplicaSetStatus.replicaFailure) else { continue }
            var out: JSON = ["type": .string(DeploymentConditions.replicaFailure), "status": c["status"],
                             "reason": c["reason"], "message": c["message"]]
            out["lastUpdateTime"] = c["lastTransitionTime"]
            out["lastTransitionTime"] = c["lastTransitionTime"]
            return out
        }
        return nil
    }

    /// Looks at the Deployment again once its progress deadline would pass.
    func requeueIfStuck(_ status: JSON) {
        guard let deadline = spec.progressDeadlineSeconds,
              let current = DeploymentConditions.get(d["status"], DeploymentConditions.progressing) else { return }
        if DeploymentRollout.isComplete(d, status) || current["reason"].string == DeploymentConditions.progressDeadlineExceeded { return }
        guard let updated = WorkloadTime.parse(current["lastUpdateTime"]) else { return }
        let after = updated.addingTimeInterval(TimeInterval(deadline)).timeIntervalSince(now)
        controller.requeue(key, after: after < 1 ? 0.5 : after + 1)
    }
}
