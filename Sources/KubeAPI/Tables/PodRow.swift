import Foundation

/// The Pod row: kubectl's READY / STATUS / RESTARTS logic (the apiserver's `printPod`).
///
/// STATUS starts from the phase (or status.reason), is replaced by the first init container
/// that has not finished ("Init:0/1", "Init:CrashLoopBackOff", "Init:Error"), otherwise by the
/// last app container that is waiting or terminated with a reason ("ContainerCreating",
/// "CrashLoopBackOff", "ErrImagePull", "Completed", "Error"), and finally by "Terminating" once
/// the pod is being deleted.
enum PodRow {
    static func cells(_ pod: JSON, now: Date) -> [JSON] {
        let spec = pod["spec"]
        let status = pod["status"]
        let conditions = status["conditions"].elements

        var restarts: Int64 = 0
        var restartableInitRestarts: Int64 = 0
        var totalContainers = spec["containers"].elements.count
        var readyContainers = 0
        var lastRestart: Date? = nil
        var lastRestartableInitRestart: Date? = nil

        let phase = TableFormat.text(status["phase"])
        var reason = phase
        if let r = status["reason"].string, !r.isEmpty { reason = r }
        for condition in conditions
        where condition["type"].string == "PodScheduled" && condition["reason"].string == "SchedulingGated" {
            reason = "SchedulingGated"
        }

        // Sidecars (init containers with restartPolicy Always) count as containers of the pod.
        let initSpecs = spec["initContainers"].elements
        var restartableInit = Set<String>()
        for container in initSpecs where container["restartPolicy"].string == "Always" {
            restartableInit.insert(TableFormat.text(container["name"]))
            totalContainers += 1
        }

        var initializing = false
        for (index, container) in status["initContainerStatuses"].elements.enumerated() {
            let restartCount = TableFormat.count(container["restartCount"])
            let finished = TableTime.date(container["lastState"]["terminated"]["finishedAt"])
            restarts += restartCount
            lastRestart = later(lastRestart, finished)
            let isSidecar = restartableInit.contains(TableFormat.text(container["name"]))
            if isSidecar {
                restartableInitRestarts += restartCount
                lastRestartableInitRestart = later(lastRestartableInitRestart, finished)
            }

            let terminated = container["state"]["terminated"]
            let waiting = container["state"]["waiting"]
            if !terminated.isNull && TableFormat.count(terminated["exitCode"]) == 0 {
                continue
            }
            if isSidecar && container["started"].bool == true {
                if container["ready"].bool == true { readyContainers += 1 }
                continue
            }
            if !terminated.isNull {
                reason = "Init:" + terminationReason(terminated)
            } else if let r = waiting["reason"].string, !r.isEmpty, r != "PodInitializing" {
                reason = "Init:" + r
            } else {
                reason = "Init:\(index)/\(initSpecs.count)"
            }
            initializing = true
            break
        }

        if !initializing || hasCondition(conditions, type: "Initialized") {
            restarts = restartableInitRestarts
            lastRestart = lastRestartableInitRestart
            var hasRunning = false
            // Walked from the last container so that the first container's reason wins.
            for container in status["containerStatuses"].elements.reversed() {
                restarts += TableFormat.count(container["restartCount"])
                lastRestart = later(lastRestart, TableTime.date(container["lastState"]["terminated"]["finishedAt"]))
                let waiting = container["state"]["waiting"]
                let terminated = container["state"]["terminated"]
                if let r = waiting["reason"].string, !waiting.isNull, !r.isEmpty {
                    reason = r
                } else if !terminated.isNull {
                    reason = terminationReason(terminated)
                } else if container["ready"].bool == true && !container["state"]["running"].isNull {
                    hasRunning = true
                    readyContainers += 1
                }
            }
            // A pod whose finished container left others running is not "Completed".
            if reason == "Completed" && hasRunning {
                reason = hasCondition(conditions, type: "Ready") ? "Running" : "NotReady"
            }
        }

        let deleting = TableTime.date(pod["metadata"]["deletionTimestamp"]) != nil
        if deleting && status["reason"].string == "NodeLost" {
            reason = "Unknown"
        } else if deleting && phase != "Succeeded" && phase != "Failed" {
            reason = "Terminating"
        }

        var restartsText = "\(restarts)"
        if restarts != 0, let last = lastRestart {
            restartsText = "\(restarts) (\(humanDuration(now.timeIntervalSince(last))) ago)"
        }

        return [
            .string(pod.name ?? ""),
            .string("\(readyContainers)/\(totalContainers)"),
            .string(reason),
            .string(restartsText),
            .string(TableTime.since(pod["metadata"]["creationTimestamp"], now: now)),
            .string(podIP(status)),
            .string(nonEmpty(spec["nodeName"].string)),
            .string(nonEmpty(status["nominatedNodeName"].string)),
            .string(readinessGates(spec, conditions)),
        ]
    }

    /// Table rows of finished pods carry a Completed condition, which clients use to tell them
    /// apart from live ones.
    static func rowConditions(_ pod: JSON) -> JSON? {
        switch pod["status"]["phase"].string {
        case "Succeeded":
            return [["type": "Completed", "status": "True", "reason": "Succeeded",
                     "message": "The pod has completed successfully."]]
        case "Failed":
            return [["type": "Completed", "status": "True", "reason": "Failed", "message": "The pod failed."]]
        default:
            return nil
        }
    }

    /// A terminated state's reason, or "Signal:N" / "ExitCode:N" when the runtime gave none.
    private static func terminationReason(_ terminated: JSON) -> String {
        if let r = terminated["reason"].string, !r.isEmpty { return r }
        let signal = TableFormat.count(terminated["signal"])
        if signal != 0 { return "Signal:\(signal)" }
        return "ExitCode:\(TableFormat.count(terminated["exitCode"]))"
    }

    private static func hasCondition(_ conditions: [JSON], type: String) -> Bool {
        conditions.contains { $0["type"].string == type && $0["status"].string == "True" }
    }

    private static func later(_ a: Date?, _ b: Date?) -> Date? {
        guard let b else { return a }
        guard let a else { return b }
        return b > a ? b : a
    }

    private static func nonEmpty(_ s: String?) -> String {
        guard let s, !s.isEmpty else { return "<none>" }
        return s
    }

    /// The first of status.podIPs; status.podIP as well, for writers that set only that.
    private static func podIP(_ status: JSON) -> String {
        if let ip = status["podIPs"][0]["ip"].string, !ip.isEmpty { return ip }
        return nonEmpty(status["podIP"].string)
    }

    /// "<none>", or how many of the pod's readiness gates have a True condition: "1/2".
    private static func readinessGates(_ spec: JSON, _ conditions: [JSON]) -> String {
        let gates = spec["readinessGates"].elements
        if gates.isEmpty { return "<none>" }
        var trueCount = 0
        for gate in gates {
            let type = gate["conditionType"].string
            if let condition = conditions.first(where: { $0["type"].string == type }),
               condition["status"].string == "True" {
                trueCount += 1
            }
        }
        return "\(trueCount)/\(gates.count)"
    }
}
