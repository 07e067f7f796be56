import KubeAPI

/// The default scheduler's filter plugins, in their order (NodeUnschedulable, TaintToleration, NodeAffinity,
/// NodePorts, NodeResourcesFit). As in Kubernetes, the first plugin that rejects a node gives its reasons.
enum SchedulerFilters {
    static let reasonUnschedulable = "node(s) were unschedulable"
    static let reasonNodeAffinity = "node(s) didn't match Pod's node affinity/selector"
    static let reasonPorts = "node(s) didn't have free ports for the requested pod ports"
    static let reasonTooManyPods = "Too many pods"

    /// nil when the node can take the pod.
    static func check(_ pod: JSON, on info: SchedulerNodeInfo) -> SchedulerNodeFailure? {
        let tolerations = pod["spec"]["tolerations"].elements
        if info.node["spec"]["unschedulable"].bool == true,
           !SchedulerTaint(key: NodeTaintKeys.unschedulable, effect: "NoSchedule").isTolerated(byAny: tolerations) {
            return SchedulerNodeFailure(reasons: [reasonUnschedulable], unresolvable: true)
        }
        if let taint = untoleratedTaint(tolerations, info.node) {
            return SchedulerNodeFailure(reasons: ["node(s) had untolerated taint {\(taint.key): \(taint.value)}"],
                                        unresolvable: true)
        }
        if !NodeAffinityMatching.podMatchesNode(pod, info.node) {
            return SchedulerNodeFailure(reasons: [reasonNodeAffinity], unresolvable: true)
        }
        if hasPortConflict(pod, info) {
            return SchedulerNodeFailure(reasons: [reasonPorts], unresolvable: false)
        }
        let insufficient = insufficientResources(pod, info)
        if !insufficient.isEmpty {
            return SchedulerNodeFailure(reasons: insufficient, unresolvable: false)
        }
        return nil
    }

    /// The node's taints, plus the NoSchedule taint its Ready condition calls for when the node lifecycle
    /// controller has not put it there yet: a node that stopped reporting must not get new pods meanwhile.
    static func effectiveTaints(_ node: JSON) -> [SchedulerTaint] {
        var taints = node["spec"]["taints"].elements.map(SchedulerTaint.init)
        let ready = node["status"]["conditions"].elements.first { $0["type"].string == "Ready" }
        if let status = ready?["status"].string, let key = NodeTaintKeys.byCondition["Ready"]?[status],
           !taints.contains(where: { $0.key == key && $0.effect == "NoSchedule" }) {
            taints.append(SchedulerTaint(key: key, effect: "NoSchedule"))
        }
        return taints
    }

    /// The first NoSchedule or NoExecute taint no toleration covers.
    static func untoleratedTaint(_ tolerations: [JSON], _ node: JSON) -> SchedulerTaint? {
        effectiveTaints(node).first { t in
            (t.effect == "NoSchedule" || t.effect == "NoExecute") && !t.isTolerated(byAny: tolerations)
        }
    }

    static func hasPortConflict(_ pod: JSON, _ info: SchedulerNodeInfo) -> Bool {
        for want in SchedulerPodResources.hostPorts(pod) {
            for used in info.usedPorts where used.port == want.port && used.proto == want.proto {
                if used.ip == want.ip || used.ip == "0.0.0.0" || want.ip == "0.0.0.0" { return true }
            }
        }
        return false
    }

    /// NodeResourcesFit: room for one more pod, and for each requested resource.
    static func insufficientResources(_ pod: JSON, _ info: SchedulerNodeInfo) -> [String] {
        var reasons: [String] = []
        let allocatable = info.allocatable
        if Int64(info.pods.count) + 1 > allocatable["pods"] { reasons.append(reasonTooManyPods) }
        let request = SchedulerPodResources.requests(pod).nonZero
        let fixed = ["cpu", "memory", "ephemeral-storage"]
        let scalars = request.keys.filter { isScalarResource($0) }.sorted()
        for name in fixed + scalars {
            guard let want = request[name], want > 0 else { continue }
            if want > allocatable[name] - info.requested[name] { reasons.append("Insufficient \(name)") }
        }
        return reasons
    }

    /// Extended resources (`example.com/gpu`), huge pages and attachable volumes are counted like cpu;
    /// other names are not scheduler resources.
    static func isScalarResource(_ name: String) -> Bool {
        name.hasPrefix("hugepages-") || name.hasPrefix("attachable-volumes-")
            || (name.contains("/") && !name.hasPrefix("kubernetes.io/") && !name.hasPrefix("requests."))
    }
}
