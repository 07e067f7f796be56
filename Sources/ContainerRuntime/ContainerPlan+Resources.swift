import KubeAPI

extension ContainerPlan {
    static let cpuPeriod: Int64 = 100_000
    static let minShares: Int64 = 2
    static let maxShares: Int64 = 262_144
    static let minQuota: Int64 = 1000

    /// A quantity given as a string or a number.
    static func quantityText(_ json: JSON) -> String? {
        if let s = json.string { return s }
        if let i = json.int { return String(i) }
        if let d = json.double { return String(d) }
        return nil
    }

    /// The kubelet's cgroup values for a container: cpu shares from the request (the limit
    /// when no request), CFS quota from the limit, the memory limit.
    static func resources(_ r: JSON) -> SpawnSpec.Resources {
        let cpuRequest = ResourceQuantity.milliValue(quantityText(r["requests"]["cpu"])) ?? 0
        let cpuLimit = ResourceQuantity.milliValue(quantityText(r["limits"]["cpu"]))
        var out = SpawnSpec.Resources()
        let sharesFrom = (cpuRequest == 0 && cpuLimit != nil) ? cpuLimit! : cpuRequest
        out.cpuShares = milliCPUToShares(sharesFrom)
        if let cpuLimit, cpuLimit > 0 {
            out.cpuQuota = max(cpuLimit * cpuPeriod / 1000, minQuota)
            out.cpuPeriod = cpuPeriod
        }
        if let memory = ResourceQuantity.value(quantityText(r["limits"]["memory"])), memory > 0 { out.memoryLimit = memory }
        return out
    }

    static func milliCPUToShares(_ milli: Int64) -> Int64 {
        if milli == 0 { return minShares }
        return min(max(milli * 1024 / 1000, minShares), maxShares)
    }

    /// The pod's QoS class as the API computes it.
    static func qosClass(pod: JSON) -> String {
        let containers = pod["spec"]["containers"].elements + pod["spec"]["initContainers"].elements
        var anyResource = false
        var guaranteed = !containers.isEmpty
        for c in containers {
            let requests = c["resources"]["requests"], limits = c["resources"]["limits"]
            for res in ["cpu", "memory"] {
                let req = ResourceQuantity.milliValue(quantityText(requests[res])) ?? 0
                let lim = ResourceQuantity.milliValue(quantityText(limits[res])) ?? 0
                if req != 0 || lim != 0 { anyResource = true }
                // Requests default to limits: a container is guaranteed when both limits are set
                // and requests (if given) equal them.
                if lim == 0 || (req != 0 && req != lim) { guaranteed = false }
            }
        }
        if !anyResource { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    /// The kubelet's oom_score_adj policy (nil when the pod is unknown).
    static func oomScoreAdj(pod: JSON, container: JSON, nodeMemory: Int64?) -> Int? {
        guard !pod["spec"].isNull else { return nil }
        switch qosClass(pod: pod) {
        case "Guaranteed": return -997
        case "BestEffort": return 1000
        default:
            guard let nodeMemory, nodeMemory > 0 else { return nil }
            let request = ResourceQuantity.value(quantityText(container["resources"]["requests"]["memory"])) ?? 0
            let adj = 1000 - (1000 * request) / nodeMemory
            return Int(min(max(adj, 1000 - 997), 999))
        }
    }
}
