import KubeAPI

/// The text of a FailedScheduling event and of the PodScheduled=False condition, worded as kube-scheduler's
/// FitError: "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) were unschedulable. preemption: 0/3
/// nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for
/// scheduling."
enum SchedulingFailureMessage {
    static let noNodes = "no nodes available to schedule pods"
    static let preemptionNotHelpful = "Preemption is not helpful for scheduling"
    static let noVictims = "No preemption victims found for incoming pod"

    static func fitError(nodeCount: Int, failures: [SchedulerNodeFailure], pod: JSON) -> String {
        var counts: [String: Int] = [:]
        for f in failures { for r in f.reasons { counts[r, default: 0] += 1 } }
        var message = "0/\(nodeCount) nodes are available: \(histogram(counts))."
        message += " " + preemption(nodeCount: nodeCount, failures: failures, pod: pod)
        return message
    }

    /// The PostFilter (default preemption) summary. This scheduler never preempts: nodes that failed a
    /// resolvable filter report that no victims were found, as they do when no lower-priority pods exist.
    static func preemption(nodeCount: Int, failures: [SchedulerNodeFailure], pod: JSON) -> String {
        if pod["spec"]["preemptionPolicy"].string == "Never" {
            return "preemption: not eligible due to preemptionPolicy=Never."
        }
        var counts: [String: Int] = [:]
        for f in failures { counts[f.unresolvable ? preemptionNotHelpful : noVictims, default: 0] += 1 }
        return "preemption: 0/\(nodeCount) nodes are available: \(histogram(counts))."
    }

    /// "count reason" entries, sorted as strings (so "1 Insufficient cpu" sorts before "2 Too many pods").
    static func histogram(_ counts: [String: Int]) -> String {
        counts.map { "\($0.value) \($0.key)" }.sorted().joined(separator: ", ")
    }
}
