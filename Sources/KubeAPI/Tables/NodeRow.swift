import Foundation

/// The Node row: STATUS from the Ready condition, ROLES from node-role labels, VERSION; wide:
/// addresses and the node's system info.
enum NodeRow {
    private static let rolePrefix = "node-role.kubernetes.io/"
    private static let legacyRoleLabel = "kubernetes.io/role"

    static func cells(_ node: JSON, now: Date) -> [JSON] {
        let info = node["status"]["nodeInfo"]
        return [
            .string(node.name ?? ""),
            .string(status(node)),
            .string(roles(node.labels)),
            .string(TableTime.since(node["metadata"]["creationTimestamp"], now: now)),
            .string(TableFormat.text(info["kubeletVersion"])),
            .string(address(node, type: "InternalIP")),
            .string(address(node, type: "ExternalIP")),
            .string(known(info["osImage"])),
            .string(known(info["kernelVersion"])),
            .string(known(info["containerRuntimeVersion"])),
        ]
    }

    /// "Ready" / "NotReady" (any status but True, Unknown included) / "Unknown" (no Ready
    /// condition reported yet), plus ",SchedulingDisabled" for a cordoned node.
    static func status(_ node: JSON) -> String {
        // The last Ready condition wins, as in Kubernetes' condition map.
        let ready = node["status"]["conditions"].elements.last { $0["type"].string == "Ready" }
        var parts: [String]
        if let ready {
            parts = [ready["status"].string == "True" ? "Ready" : "NotReady"]
        } else {
            parts = ["Unknown"]
        }
        if node["spec"]["unschedulable"].bool == true { parts.append("SchedulingDisabled") }
        return parts.joined(separator: ",")
    }

    /// Roles named by `node-role.kubernetes.io/<role>` label keys and by the value of the older
    /// `kubernetes.io/role` label, sorted and de-duplicated; "<none>" without any.
    static func roles(_ labels: [String: String]) -> String {
        var roles = Set<String>()
        for (key, value) in labels {
            if key.hasPrefix(rolePrefix) {
                let role = String(key.dropFirst(rolePrefix.count))
                if !role.isEmpty { roles.insert(role) }
            } else if key == legacyRoleLabel && !value.isEmpty {
                roles.insert(value)
            }
        }
        return roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ",")
    }

    private static func address(_ node: JSON, type: String) -> String {
        let match = node["status"]["addresses"].elements.first { $0["type"].string == type }
        return match?["address"].string ?? "<none>"
    }

    private static func known(_ value: JSON) -> String {
        guard let s = value.string, !s.isEmpty else { return "<unknown>" }
        return s
    }
}
