import Foundation
import KubeAPI

/// The order in which a ReplicaSet gives up pods when it scales down: Kubernetes'
/// `ActivePodsWithRanks` (with the PodDeletionCost and LogarithmicScaleDown features on, as they
/// are by default in 1.32). Pods that sort first are deleted first:
///  1. unassigned before assigned,
///  2. Pending before Unknown before Running,
///  3. not ready before ready,
///  4. lower `controller.kubernetes.io/pod-deletion-cost` first,
///  5. pods doubled up on a node (more related pods there) first,
///  6. for ready pods, the more recently ready first (ages compared in powers of two),
///  7. more container restarts first,
///  8. newer pods first (again in powers of two of their age); equal ranks fall back to the UID.
public enum PodDeletionRanking {
    public static let deletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

    /// `pods` sorted so that the first ones are the best to delete. `rank` is each pod's count of
    /// related active pods on the same node (see `ranksByNode`).
    public static func sorted(_ pods: [JSON], ranks: [Int], now: Date) -> [JSON] {
        let ranked = zip(pods, ranks).map { (pod: $0, rank: $1) }
        return ranked.sorted { less($0.pod, $0.rank, $1.pod, $1.rank, now: now) }.map(\.pod)
    }

    /// For each pod, how many of `related` (the pods of every ReplicaSet sharing its controller)
    /// are active on the same node.
    public static func ranksByNode(_ pods: [JSON], related: [JSON]) -> [Int] {
        var onNode: [String: Int] = [:]
        for p in related where WorkloadPodState.isActive(p) { onNode[WorkloadPodState.nodeName(p), default: 0] += 1 }
        return pods.map { onNode[WorkloadPodState.nodeName($0)] ?? 0 }
    }

    static func phaseOrdinal(_ pod: JSON) -> Int {
        switch pod["status"]["phase"].string {
        case "Pending": return 0
        case "Unknown": return 1
        case "Running": return 2
        default: return 0   // Go's map lookup of a missing phase yields 0
        }
    }

    static func deletionCost(_ pod: JSON) -> Int64 {
        guard let text = pod.annotations[deletionCostAnnotation], let v = Int32(text) else { return 0 }
        return Int64(v)
    }

    static func less(_ a: JSON, _ rankA: Int, _ b: JSON, _ rankB: Int, now: Date) -> Bool {
        let nodeA = WorkloadPodState.nodeName(a), nodeB = WorkloadPodState.nodeName(b)
        if nodeA != nodeB && (nodeA.isEmpty || nodeB.isEmpty) { return nodeA.isEmpty }
        let phaseA = phaseOrdinal(a), phaseB = phaseOrdinal(b)
        if phaseA != phaseB { return phaseA < phaseB }
        let readyA = WorkloadPodState.isReady(a), readyB = WorkloadPodState.isReady(b)
        if readyA != readyB { return !readyA }
        let costA = deletionCost(a), costB = deletionCost(b)
        if costA != costB { return costA < costB }
        if rankA != rankB { return rankA > rankB }
        if readyA && readyB {
            let ta = WorkloadPodState.readySince(a), tb = WorkloadPodState.readySince(b)
            if ta != tb {
                if let ta, let tb {
                    let diff = logRankDiff(ta, tb, now: now)
                    if diff == 0 { return (a.uid ?? "") < (b.uid ?? "") }
                    return diff < 0
                }
                return afterOrZero(ta, tb)
            }
        }
        let (regularA, sidecarA) = maxRestarts(a), (regularB, sidecarB) = maxRestarts(b)
        if regularA != regularB { return regularA > regularB }
        if sidecarA != sidecarB { return sidecarA > sidecarB }
        let ca = WorkloadFields.creationTime(a), cb = WorkloadFields.creationTime(b)
        if ca != cb {
            if let ca, let cb {
                let diff = logRankDiff(ca, cb, now: now)
                if diff == 0 { return (a.uid ?? "") < (b.uid ?? "") }
                return diff < 0
            }
            return afterOrZero(ca, cb)
        }
        return false
    }

    /// A missing time sorts first; otherwise the later one does.
    static func afterOrZero(_ a: Date?, _ b: Date?) -> Bool {
        guard let a, let b else { return a == nil }
        return a > b
    }

    /// Compares ages on a log2 scale of nanoseconds, so pods of about the same age count as
    /// equals (then the UID decides, spreading deletions instead of always hitting the newest).
    static func logRankDiff(_ a: Date, _ b: Date, now: Date) -> Int64 {
        func rank(_ t: Date) -> Int64 {
            let nanos = now.timeIntervalSince(t) * 1e9
            return nanos >= 1 ? Int64(log2(nanos)) : -1
        }
        return rank(a) - rank(b)
    }

    /// Highest restart count among regular containers, then among restartable init containers.
    static func maxRestarts(_ pod: JSON) -> (Int64, Int64) {
        let regular = pod["status"]["containerStatuses"].elements.map { $0["restartCount"].int ?? 0 }.max() ?? 0
        let sidecarNames = Set(pod["spec"]["initContainers"].elements
            .filter { $0["restartPolicy"].string == "Always" }.compactMap { $0["name"].string })
        let sidecar = pod["status"]["initContainerStatuses"].elements
            .filter { sidecarNames.contains($0["name"].string ?? "") }
            .map { $0["restartCount"].int ?? 0 }.max() ?? 0
        return (regular, sidecar)
    }
}
