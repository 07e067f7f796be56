import Foundation
import KubeAPI

/// A ReplicaSet's status from the pods it owns (Kubernetes' replicaset calculateStatus).
enum ReplicaSetStatus {
    static let replicaFailure = "ReplicaFailure"

    /// The new status: counts of owned active pods, fully labeled ones (carrying every template
    /// label), ready ones and available ones (ready for minReadySeconds); a ReplicaFailure
    /// condition while creating or deleting pods fails.
    static func calculate(_ rs: JSON, pods: [JSON], manageError: Error?, now: Date) -> JSON {
        var status = rs["status"]
        let template = LabelSelector(matchLabels: rs["spec"]["template"]["metadata"]["labels"].stringMap)
        let minReady = WorkloadFields.minReadySeconds(rs)
        var fullyLabeled = 0, ready = 0, available = 0
        for pod in pods {
            if template.matches(pod.labels) { fullyLabeled += 1 }
            if WorkloadPodState.isReady(pod) {
                ready += 1
                if WorkloadPodState.isAvailable(pod, minReadySeconds: minReady, now: now) { available += 1 }
            }
        }
        let failure = condition(status, replicaFailure)
        if let manageError, failure == nil {
            let diff = pods.count - WorkloadFields.specReplicas(rs)
            let reason = diff < 0 ? "FailedCreate" : diff > 0 ? "FailedDelete" : ""
            let cond: JSON = ["type": .string(replicaFailure), "status": "True",
                              "lastTransitionTime": .string(WorkloadTime.format(now)),
                              "reason": .string(reason), "message": .string(WorkloadFields.errorText(manageError))]
            var conditions = status["conditions"].elements.filter { $0["type"].string != replicaFailure }
            conditions.append(cond)
            status["conditions"] = .array(conditions)
        } else if manageError == nil && failure != nil {
            let rest = status["conditions"].elements.filter { $0["type"].string != replicaFailure }
            status["conditions"] = rest.isEmpty ? .null : .array(rest)
        }
        status["replicas"] = .int(Int64(pods.count))
        status["fullyLabeledReplicas"] = WorkloadFields.omitEmpty(fullyLabeled)
        status["readyReplicas"] = WorkloadFields.omitEmpty(ready)
        status["availableReplicas"] = WorkloadFields.omitEmpty(available)
        return status
    }

    static func condition(_ status: JSON, _ type: String) -> JSON? {
        status["conditions"].elements.first { $0["type"].string == type }
    }

    /// True when writing `status` would change nothing the controller owns (and the spec's
    /// generation has already been observed).
    static func isCurrent(_ rs: JSON, _ status: JSON) -> Bool {
        let old = rs["status"]
        for field in ["replicas", "fullyLabeledReplicas", "readyReplicas", "availableReplicas"]
        where (old[field].int ?? 0) != (status[field].int ?? 0) { return false }
        return WorkloadFields.generation(rs) == (old["observedGeneration"].int ?? 0)
            && old["conditions"].elements == status["conditions"].elements
    }
}
