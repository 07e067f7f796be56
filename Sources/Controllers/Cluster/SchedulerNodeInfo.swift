import KubeAPI

/// One node as the scheduler sees it for one decision: the node, the pods already on it (bound, or assumed
/// bound by this scheduler a moment ago) and what those pods hold.
struct SchedulerNodeInfo {
    let node: JSON
    private(set) var pods: [JSON] = []
    private(set) var requested = SchedulerResourceList()
    /// Requests with the scheduler's defaults for containers that ask for nothing; used for scoring only.
    private(set) var nonZeroRequested = SchedulerResourceList()
    private(set) var usedPorts: [(proto: String, ip: String, port: Int64)] = []

    init(node: JSON) { self.node = node }

    var name: String { node.name ?? "" }

    mutating func add(_ pod: JSON) {
        pods.append(pod)
        requested.add(SchedulerPodResources.requests(pod))
        nonZeroRequested.add(SchedulerPodResources.requests(pod, nonZeroDefaults: true))
        usedPorts.append(contentsOf: SchedulerPodResources.hostPorts(pod))
    }

    var allocatable: SchedulerResourceList { SchedulerResourceList(resourceList: node["status"]["allocatable"]) }
}

/// Why a node cannot take a pod: the reasons, worded as the scheduler's filter plugins word them, and
/// whether evicting pods could ever help (the preemption summary depends on it).
struct SchedulerNodeFailure {
    let reasons: [String]
    /// True for plugins that answer "UnschedulableAndUnresolvable" (taints, affinity, cordon).
    let unresolvable: Bool
}

/// A taint as the scheduler compares it with tolerations.
struct SchedulerTaint: Equatable {
    let key: String
    let value: String
    let effect: String

    init(key: String, value: String = "", effect: String) {
        self.key = key
        self.value = value
        self.effect = effect
    }

    init(_ json: JSON) {
        self.init(key: json["key"].string ?? "", value: json["value"].string ?? "", effect: json["effect"].string ?? "")
    }

    /// Kubernetes' Toleration.ToleratesTaint.
    func isTolerated(by toleration: JSON) -> Bool {
        if let effect = toleration["effect"].string, !effect.isEmpty, effect != self.effect { return false }
        if let key = toleration["key"].string, !key.isEmpty, key != self.key { return false }
        switch toleration["operator"].string ?? "" {
        case "", "Equal": return (toleration["value"].string ?? "") == value
        case "Exists": return true
        default: return false
        }
    }

    func isTolerated(byAny tolerations: [JSON]) -> Bool {
        tolerations.contains { isTolerated(by: $0) }
    }
}
