import KubeAPI

/// Amounts of resources by name, in the scheduler's units: cpu in millicores, everything else in whole units
/// (memory and ephemeral-storage in bytes, pods and extended resources as counts).
public struct SchedulerResourceList: Sendable, Equatable {
    public var amounts: [String: Int64] = [:]

    public init(_ amounts: [String: Int64] = [:]) { self.amounts = amounts }

    public subscript(_ name: String) -> Int64 {
        get { amounts[name] ?? 0 }
        set { amounts[name] = newValue }
    }

    /// A ResourceList object (`{"cpu": "100m", "memory": "128Mi"}`) in scheduler units; unparseable entries are skipped.
    public init(resourceList: JSON) {
        for (name, q) in resourceList.members {
            let v = name == "cpu" ? ResourceQuantity.milliValue(q) : ResourceQuantity.value(q)
            if let v { amounts[name] = v }
        }
    }

    mutating func add(_ other: SchedulerResourceList) {
        for (k, v) in other.amounts { amounts[k, default: 0] += v }
    }

    mutating func raise(to other: SchedulerResourceList) {
        for (k, v) in other.amounts where v > self[k] { amounts[k] = v }
    }

    /// Only the names with a non-zero amount: a request of 0 asks for nothing.
    var nonZero: [String: Int64] { amounts.filter { $0.value != 0 } }
}

/// What a pod asks of a node, computed as Kubernetes' resource helpers do.
enum SchedulerPodResources {
    /// The cpu and memory the scheduler assumes for a container that requests none, so that "best effort"
    /// pods still spread (100 millicores, 200 MiB).
    static let defaultMilliCPU: Int64 = 100
    static let defaultMemory: Int64 = 200 * 1024 * 1024

    /// The effective request: the sum over app containers (and sidecars, i.e. restartable init containers),
    /// or the largest init-time step if that is higher, plus the pod overhead.
    static func requests(_ pod: JSON, nonZeroDefaults: Bool = false) -> SchedulerResourceList {
        func containerRequests(_ c: JSON) -> SchedulerResourceList {
            var r = SchedulerResourceList(resourceList: c["resources"]["requests"])
            if nonZeroDefaults {
                if c["resources"]["requests"]["cpu"].isNull { r["cpu"] = defaultMilliCPU }
                if c["resources"]["requests"]["memory"].isNull { r["memory"] = defaultMemory }
            }
            return r
        }
        var total = SchedulerResourceList()
        for c in pod["spec"]["containers"].elements { total.add(containerRequests(c)) }

        var sidecars = SchedulerResourceList()
        var initPeak = SchedulerResourceList()
        for c in pod["spec"]["initContainers"].elements {
            let r = containerRequests(c)
            if c["restartPolicy"].string == "Always" {
                // A sidecar keeps running next to the app containers, so it adds to both phases.
                total.add(r)
                sidecars.add(r)
                initPeak.raise(to: sidecars)
            } else {
                var step = r
                step.add(sidecars)
                initPeak.raise(to: step)
            }
        }
        total.raise(to: initPeak)
        total.add(SchedulerResourceList(resourceList: pod["spec"]["overhead"]))
        return total
    }

    /// Host ports the pod's containers claim, as (protocol, hostIP, port).
    static func hostPorts(_ pod: JSON) -> [(proto: String, ip: String, port: Int64)] {
        var out: [(String, String, Int64)] = []
        // Sidecars (restartable init containers) keep their ports for the pod's life, as app containers do.
        let sidecars = pod["spec"]["initContainers"].elements.filter { $0["restartPolicy"].string == "Always" }
        for c in pod["spec"]["containers"].elements + sidecars {
            for p in c["ports"].elements {
                guard let port = p["hostPort"].int, port > 0 else { continue }
                let ip = p["hostIP"].string ?? ""
                out.append((p["protocol"].string ?? "TCP", ip.isEmpty ? "0.0.0.0" : ip, port))
            }
        }
        return out
    }

    /// Succeeded and Failed pods hold no resources: their containers are gone for good.
    static func isTerminal(_ pod: JSON) -> Bool {
        let phase = pod["status"]["phase"].string
        return phase == "Succeeded" || phase == "Failed"
    }
}
