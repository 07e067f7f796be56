import Foundation
import KubeAPI

/// Deployment status conditions, with Kubernetes' reasons and messages.
enum DeploymentConditions {
    static let available = "Available"
    static let progressing = "Progressing"
    static let replicaFailure = "ReplicaFailure"

    // Reasons (deployment util).
    static let newReplicaSetCreated = "NewReplicaSetCreated"
    static let foundNewReplicaSet = "FoundNewReplicaSet"
    static let replicaSetUpdated = "ReplicaSetUpdated"
    static let newReplicaSetAvailable = "NewReplicaSetAvailable"
    static let progressDeadlineExceeded = "ProgressDeadlineExceeded"
    static let replicaSetCreateError = "ReplicaSetCreateError"
    static let deploymentPaused = "DeploymentPaused"
    static let deploymentResumed = "DeploymentResumed"
    static let minimumReplicasAvailable = "MinimumReplicasAvailable"
    static let minimumReplicasUnavailable = "MinimumReplicasUnavailable"

    static func make(_ type: String, _ status: String, reason: String, message: String, now: Date) -> JSON {
        let t = JSON.string(WorkloadTime.format(now))
        return ["type": .string(type), "status": .string(status), "lastUpdateTime": t, "lastTransitionTime": t,
                "reason": .string(reason), "message": .string(message)]
    }

    static func get(_ status: JSON, _ type: String) -> JSON? {
        status["conditions"].elements.first { $0["type"].string == type }
    }

    /// Sets a condition. Same status and reason: nothing changes. Same status, new reason: the
    /// transition time is kept. The condition moves to the end of the list, as in Kubernetes.
    static func set(_ status: inout JSON, _ condition: JSON) {
        var condition = condition
        if let current = get(status, condition["type"].string ?? "") {
            if current["status"] == condition["status"] && current["reason"] == condition["reason"] { return }
            if current["status"] == condition["status"] { condition["lastTransitionTime"] = current["lastTransitionTime"] }
        }
        var list = status["conditions"].elements.filter { $0["type"] != condition["type"] }
        list.append(condition)
        status["conditions"] = .array(list)
    }

    static func remove(_ status: inout JSON, _ type: String) {
        let list = status["conditions"].elements.filter { $0["type"].string != type }
        status["conditions"] = list.isEmpty ? .null : .array(list)
    }
}
