import KubeAPI

/// The default scheduler's scoring plugins that matter on a swiftlet cluster, each 0...100 per node and
/// weighted as in the default profile: NodeResourcesFit (least allocated, 1), NodeResourcesBalancedAllocation
/// (1), spreading of pods of the same Service/ReplicaSet (2), NodeAffinity preferences (2) and
/// TaintToleration for PreferNoSchedule taints (3).
enum SchedulerScoring {
    static let maxScore: Int64 = 100

    /// Total weighted scores, by node name.
    static func scores(_ pod: JSON, nodes: [SchedulerNodeInfo], spreadSelectors: [LabelSelector]) -> [String: Int64] {
        let podRequest = SchedulerPodResources.requests(pod, nonZeroDefaults: true)
        let podActual = SchedulerPodResources.requests(pod)
        var total: [String: Int64] = [:]
        for n in nodes {
            total[n.name] = leastAllocated(podRequest, n) + balancedAllocation(podActual, n)
        }
        add(&total, weight: 2, spread(pod, nodes: nodes, selectors: spreadSelectors))
        add(&total, weight: 2, normalized(nodes.map { ($0.name, NodeAffinityMatching.preferredScore(pod, $0.node)) }, reverse: false))
        let tolerations = pod["spec"]["tolerations"].elements.filter { ($0["effect"].string ?? "").isEmpty || $0["effect"].string == "PreferNoSchedule" }
        let intolerable = nodes.map { n -> (String, Int64) in
            let count = n.node["spec"]["taints"].elements.map(SchedulerTaint.init)
                .filter { $0.effect == "PreferNoSchedule" && !$0.isTolerated(byAny: tolerations) }.count
            return (n.name, Int64(count))
        }
        add(&total, weight: 3, normalized(intolerable, reverse: true))
        return total
    }

    private static func add(_ total: inout [String: Int64], weight: Int64, _ scores: [String: Int64]) {
        for (k, v) in scores { total[k, default: 0] += weight * v }
    }

    /// Scales raw scores to 0...100 against the highest; `reverse` makes the lowest raw score best.
    static func normalized(_ raw: [(String, Int64)], reverse: Bool) -> [String: Int64] {
        let highest = raw.map(\.1).max() ?? 0
        var out: [String: Int64] = [:]
        for (name, v) in raw {
            if highest == 0 {
                out[name] = reverse ? maxScore : 0
            } else {
                let s = maxScore * v / highest
                out[name] = reverse ? maxScore - s : s
            }
        }
        return out
    }

    /// Free share of cpu and memory after placing the pod, averaged: emptier nodes score higher.
    static func leastAllocated(_ podRequest: SchedulerResourceList, _ n: SchedulerNodeInfo) -> Int64 {
        let allocatable = n.allocatable
        var sum: Int64 = 0
        for r in ["cpu", "memory"] {
            let capacity = allocatable[r]
            let requested = n.nonZeroRequested[r] + podRequest[r]
            if capacity > 0, requested <= capacity { sum += (capacity - requested) * maxScore / capacity }
        }
        return sum / 2
    }

    /// How evenly cpu and memory would be used: nodes where the two fractions stay close score higher.
    static func balancedAllocation(_ podRequest: SchedulerResourceList, _ n: SchedulerNodeInfo) -> Int64 {
        let allocatable = n.allocatable
        var fractions: [Double] = []
        for r in ["cpu", "memory"] {
            let capacity = allocatable[r]
            guard capacity > 0 else { continue }
            fractions.append(min(1, Double(n.requested[r] + podRequest[r]) / Double(capacity)))
        }
        guard fractions.count == 2 else { return maxScore }
        let std = abs(fractions[0] - fractions[1]) / 2
        return Int64((1 - std) * Double(maxScore))
    }

    /// Fewer pods of the same Service/ReplicaSet on a node is better. The selectors are ANDed, as Kubernetes
    /// merges them into one default selector; no selector means nothing to spread.
    static func spread(_ pod: JSON, nodes: [SchedulerNodeInfo], selectors: [LabelSelector]) -> [String: Int64] {
        guard !selectors.isEmpty else { return [:] }
        let namespace = pod.namespace
        let counts = nodes.map { n -> (String, Int64) in
            let matching = n.pods.filter { p in
                p.namespace == namespace && !Ownership.isDeleting(p) && selectors.allSatisfy { $0.matches(p.labels) }
            }
            return (n.name, Int64(matching.count))
        }
        return normalized(counts, reverse: true)
    }
}
