import KubeAPI

/// Node selection by a pod: `spec.nodeSelector` and `spec.affinity.nodeAffinity`, as the NodeAffinity plugin
/// evaluates them.
enum NodeAffinityMatching {
    /// The pod's hard requirements: every nodeSelector label, and one of the required node selector terms.
    static func podMatchesNode(_ pod: JSON, _ node: JSON) -> Bool {
        let labels = node.labels
        for (k, v) in pod["spec"]["nodeSelector"].stringMap where labels[k] != v { return false }
        let required = pod["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]
        if required.isNull { return true }
        return required["nodeSelectorTerms"].elements.contains { termMatches($0, node) }
    }

    /// The summed weights of the preferred terms the node satisfies.
    static func preferredScore(_ pod: JSON, _ node: JSON) -> Int64 {
        var score: Int64 = 0
        for p in pod["spec"]["affinity"]["nodeAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"].elements {
            let weight = p["weight"].int ?? 0
            if weight != 0, termMatches(p["preference"], node) { score += weight }
        }
        return score
    }

    /// A term matches when all its expressions and fields do; an empty term matches no node.
    static func termMatches(_ term: JSON, _ node: JSON) -> Bool {
        let expressions = term["matchExpressions"].elements
        let fields = term["matchFields"].elements
        if expressions.isEmpty && fields.isEmpty { return false }
        let labels = node.labels
        for e in expressions where !requirementMatches(e, value: labels[e["key"].string ?? ""]) { return false }
        for f in fields {
            // metadata.name is the only field a node selector may name.
            guard f["key"].string == "metadata.name" else { return false }
            let op = f["operator"].string ?? ""
            guard op == "In" || op == "NotIn", f["values"].elements.count == 1 else { return false }
            if !requirementMatches(f, value: node.name) { return false }
        }
        return true
    }

    /// One NodeSelectorRequirement against the node's value for its key (nil when the node lacks the key).
    static func requirementMatches(_ r: JSON, value: String?) -> Bool {
        let values = r["values"].elements.compactMap(\.string)
        switch r["operator"].string ?? "" {
        case "In":
            guard let value else { return false }
            return values.contains(value)
        case "NotIn":
            guard let value else { return true }
            return !values.contains(value)
        case "Exists":
            return value != nil
        case "DoesNotExist":
            return value == nil
        case "Gt", "Lt":
            // Both sides must be integers; anything else makes the requirement fail.
            guard values.count == 1, let bound = Int64(values[0]), let value, let n = Int64(value) else { return false }
            return r["operator"].string == "Gt" ? n > bound : n < bound
        default:
            return false
        }
    }
}
