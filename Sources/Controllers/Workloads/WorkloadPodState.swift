import Foundation
import KubeAPI

/// The pod facts the ReplicaSet and Deployment controllers count by (Kubernetes' podutil helpers).
enum WorkloadPodState {
    /// Not finished (Succeeded/Failed) and not being deleted: the pods a ReplicaSet counts.
    static func isActive(_ pod: JSON) -> Bool {
        let phase = pod["status"]["phase"].string
        return phase != "Succeeded" && phase != "Failed" && pod["metadata"]["deletionTimestamp"].isNull
    }

    static func readyCondition(_ pod: JSON) -> JSON? {
        pod["status"]["conditions"].elements.first { $0["type"].string == "Ready" }
    }

    /// Ready means the pod's Ready condition is True.
    static func isReady(_ pod: JSON) -> Bool {
        readyCondition(pod)?["status"].string == "True"
    }

    /// When a ready pod became ready (the Ready condition's lastTransitionTime), if known.
    static func readySince(_ pod: JSON) -> Date? {
        guard isReady(pod), let c = readyCondition(pod) else { return nil }
        return WorkloadTime.parse(c["lastTransitionTime"])
    }

    /// Available: ready for at least minReadySeconds (strictly longer, as Kubernetes compares).
    static func isAvailable(_ pod: JSON, minReadySeconds: Int, now: Date) -> Bool {
        guard isReady(pod) else { return false }
        if minReadySeconds == 0 { return true }
        guard let since = readyCondition(pod).flatMap({ WorkloadTime.parse($0["lastTransitionTime"]) }) else { return false }
        return since.addingTimeInterval(TimeInterval(minReadySeconds)) < now
    }

    static func nodeName(_ pod: JSON) -> String { pod["spec"]["nodeName"].string ?? "" }

    static func key(_ pod: JSON) -> String { WorkloadFields.key(pod) }
}
