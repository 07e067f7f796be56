import KubeAPI

/// What the agent knows about one container of a pod, from which the status is computed.
public struct ContainerRecord: Sendable {
    public var name: String
    public var image: String
    public var imageID: String = ""
    public var containerID: String = ""
    public var restartCount: Int = 0
    public var state: RunState = .unknown
    /// Why the container is not running yet (ContainerCreating, ErrImagePull, CrashLoopBackOff, ...).
    public var waiting: (reason: String, message: String)? = ("ContainerCreating", "")
    public var lastTermination: (code: Int32, reason: String, startedAt: String, finishedAt: String, containerID: String)?
    public var ready = false
    public var started = false

    public init(name: String, image: String) {
        self.name = name
        self.image = image
    }
}

/// Pod status as the kubelet reports it: phase, conditions, IPs and container statuses.
public enum PodStatusBuilder {
    public static func status(pod: JSON, initContainers: [ContainerRecord], containers: [ContainerRecord],
                              podIP: String?, hostIP: String, startTime: String, now: String,
                              sandboxReady: Bool, initialized: Bool) -> JSON {
        let restartPolicy = pod["spec"]["restartPolicy"].string ?? "Always"
        var status: JSON = ["hostIP": .string(hostIP), "hostIPs": [["ip": .string(hostIP)]], "startTime": .string(startTime),
                            "qosClass": pod["status"]["qosClass"].isNull ? "BestEffort" : pod["status"]["qosClass"]]
        if let podIP {
            status["podIP"] = .string(podIP)
            status["podIPs"] = [["ip": .string(podIP)]]
        }
        status["phase"] = .string(phase(containers: containers, initialized: initialized, restartPolicy: restartPolicy))
        let allReady = !containers.isEmpty && containers.allSatisfy(\.ready)
        var conditions: [JSON] = []
        func condition(_ type: String, _ ok: Bool, reason: String? = nil, message: String? = nil) {
            let previous = pod["status"]["conditions"].elements.first { $0["type"].string == type }
            let value = ok ? "True" : "False"
            var c: JSON = ["type": .string(type), "status": .string(value), "lastProbeTime": .null]
            c["lastTransitionTime"] = previous?["status"].string == value ? (previous?["lastTransitionTime"] ?? .string(now)) : .string(now)
            if let reason, !ok { c["reason"] = .string(reason) }
            if let message, !ok { c["message"] = .string(message) }
            conditions.append(c)
        }
        let notReady = containers.filter { !$0.ready }.map(\.name)
        let unreadyMessage = "containers with unready status: [\(notReady.joined(separator: " "))]"
        condition("PodReadyToStartContainers", sandboxReady)
        condition("Initialized", initialized, reason: "ContainersNotInitialized",
                  message: "containers with incomplete status: [\(initContainers.filter { !isDone($0) }.map(\.name).joined(separator: " "))]")
        condition("Ready", allReady, reason: "ContainersNotReady", message: unreadyMessage)
        condition("ContainersReady", allReady, reason: "ContainersNotReady", message: unreadyMessage)
        if let scheduled = pod["status"]["conditions"].elements.first(where: { $0["type"].string == "PodScheduled" }) {
            conditions.append(scheduled)
        } else {
            condition("PodScheduled", true)
        }
        status["conditions"] = .array(conditions)
        if !initContainers.isEmpty { status["initContainerStatuses"] = .array(initContainers.map(containerStatus)) }
        status["containerStatuses"] = .array(containers.map(containerStatus))
        return status
    }

    static func isDone(_ c: ContainerRecord) -> Bool {
        if case .exited(let code, _, _, _) = c.state { return code == 0 }
        return false
    }

    /// Kubernetes' phase rules (kubelet getPhase), for a pod whose sandbox exists.
    static func phase(containers: [ContainerRecord], initialized: Bool, restartPolicy: String) -> String {
        if !initialized { return "Pending" }
        var running = 0, waiting = 0, succeeded = 0, failed = 0, stopped = 0
        for c in containers {
            switch c.state {
            case .running: running += 1
            case .exited(let code, _, _, _):
                stopped += 1
                if code == 0 { succeeded += 1 } else { failed += 1 }
            case .unknown:
                if c.lastTermination != nil { stopped += 1 } else { waiting += 1 }
            }
        }
        if waiting > 0 { return "Pending" }
        if running > 0 { return "Running" }
        if stopped == containers.count && !containers.isEmpty {
            if restartPolicy == "Always" { return "Running" }
            if failed > 0 && restartPolicy == "Never" { return "Failed" }
            if failed > 0 { return "Running" }  // OnFailure restarts them
            return "Succeeded"
        }
        return "Pending"
    }

    static func containerStatus(_ c: ContainerRecord) -> JSON {
        var s: JSON = ["name": .string(c.name), "image": .string(c.image), "imageID": .string(c.imageID),
                       "ready": .bool(c.ready), "restartCount": .int(Int64(c.restartCount)), "started": .bool(c.started)]
        if !c.containerID.isEmpty { s["containerID"] = .string(c.containerID) }
        switch c.state {
        case .running(_, let startedAt) where c.waiting == nil:
            s["state"] = ["running": ["startedAt": .string(startedAt)]]
        case .exited(let code, let startedAt, let finishedAt, let reason) where c.waiting == nil:
            s["state"] = ["terminated": ["exitCode": .int(Int64(code)), "reason": .string(reason), "startedAt": .string(startedAt),
                                         "finishedAt": .string(finishedAt), "containerID": .string(c.containerID)]]
        default:
            var w: JSON = ["reason": .string(c.waiting?.reason ?? "ContainerCreating")]
            if let m = c.waiting?.message, !m.isEmpty { w["message"] = .string(m) }
            s["state"] = ["waiting": w]
        }
        if let t = c.lastTermination {
            s["lastState"] = ["terminated": ["exitCode": .int(Int64(t.code)), "reason": .string(t.reason), "startedAt": .string(t.startedAt),
                                             "finishedAt": .string(t.finishedAt), "containerID": .string(t.containerID)]]
        } else {
            s["lastState"] = [:]
        }
        return s
    }
}
