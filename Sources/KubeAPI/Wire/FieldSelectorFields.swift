/// Which fields each kind lets clients select on, and what those fields read from an object.
///
/// Two halves of Kubernetes are mirrored here: the per-kind field-label conversion functions
/// (which fields are accepted, renames, the error for the rest — the wording differs by kind)
/// and the registries' "selectable fields" sets (the string each field has for an object).
/// Kinds without their own conversion accept only metadata.name and metadata.namespace —
/// that includes every apps/v1 kind, so a ReplicaSet really rejects `status.replicas`.
public enum FieldSelectorFields {
    struct Rules {
        /// Accepted field → the field it is matched as.
        let accepted: [String: String]
        let reject: @Sendable (String) -> String
    }

    private static func rules(_ fields: [String], renames: [String: String] = [:],
                              reject: @escaping @Sendable (String) -> String = { "field label not supported: " + $0 }) -> Rules {
        var accepted: [String: String] = [:]
        for field in fields { accepted[field] = field }
        for (from, to) in renames { accepted[from] = to }
        return Rules(accepted: accepted, reject: reject)
    }

    /// Kubernetes' fallback for kinds without a conversion function (and for custom resources).
    static let metadataOnly = rules(["metadata.name", "metadata.namespace"]) {
        "\(WireGoFormat.quote($0)) is not a known field selector: only \"metadata.name\", \"metadata.namespace\""
    }

    /// Keyed by kind; events.k8s.io Events are keyed "Event.events.k8s.io" since that group
    /// spells the fields differently from core/v1.
    static let byKind: [String: Rules] = [
        "Pod": rules(["metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
                      "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
                      "status.podIP", "status.podIPs", "status.nominatedNodeName"],
                     renames: ["spec.host": "spec.nodeName"]),  // old v1 clients' name for it
        "Node": rules(["metadata.name", "spec.unschedulable"]),
        "ReplicationController": rules(["metadata.name", "metadata.namespace", "status.replicas"]),
        "Event": rules(["involvedObject.kind", "involvedObject.namespace", "involvedObject.name",
                        "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
                        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type",
                        "metadata.namespace", "metadata.name"]),
        "Event.events.k8s.io": rules(["metadata.name", "metadata.namespace", "reason", "type"], renames: [
            "regarding.kind": "involvedObject.kind", "regarding.namespace": "involvedObject.namespace",
            "regarding.name": "involvedObject.name", "regarding.uid": "involvedObject.uid",
            "regarding.apiVersion": "involvedObject.apiVersion",
            "regarding.resourceVersion": "involvedObject.resourceVersion",
            "regarding.fieldPath": "involvedObject.fieldPath", "reportingController": "reportingComponent",
        ]),
        "Namespace": rules(["status.phase", "metadata.name"]),
        "Secret": rules(["type", "metadata.namespace", "metadata.name"]),
        "Service": rules(["metadata.namespace", "metadata.name", "spec.clusterIP", "spec.type"]),
        "Job": rules(["metadata.name", "metadata.namespace", "status.successful"]) {
            "field label \(WireGoFormat.quote($0)) not supported for Job"
        },
        "CertificateSigningRequest": rules(["metadata.name", "spec.signerName"]),
    ]

    static func rules(forKind kind: String, group: String) -> Rules {
        if kind == "Event" && group == "events.k8s.io" { return byKind["Event.events.k8s.io"]! }
        return byKind[kind] ?? metadataOnly
    }

    /// The field Kubernetes matches `field` as for this kind, or its error for an unsupported one.
    public static func convert(field: String, kind: String, group: String = "") throws -> String {
        let rules = rules(forKind: kind, group: group)
        guard let converted = rules.accepted[field] else { throw FieldSelectorError(rules.reject(field)) }
        return converted
    }

    /// The fields a kind accepts in a field selector (after renames), for documentation and tests.
    public static func supportedFields(kind: String, group: String = "") -> Set<String> {
        Set(rules(forKind: kind, group: group).accepted.keys)
    }

    /// The text a (converted) field has for an object, as the kind's registry computes it; ""
    /// for fields the kind does not expose (as for Pod `status.podIPs`, accepted but never set).
    public static func value(of field: String, in object: JSON, kind: String) -> String {
        switch field {
        case "metadata.name": return object.name ?? ""
        case "metadata.namespace": return object.namespace ?? ""
        default: break
        }
        switch kind {
        case "Pod": return podValue(field, object)
        case "Node":
            return field == "spec.unschedulable" ? boolText(object[path: ["spec", "unschedulable"]]) : ""
        case "Namespace":
            return field == "status.phase" ? text(object[path: ["status", "phase"]]) : ""
        case "Secret":
            return field == "type" ? text(object["type"]) : ""
        case "Service":
            switch field {
            case "spec.clusterIP": return text(object[path: ["spec", "clusterIP"]])
            case "spec.type": return text(object[path: ["spec", "type"]])
            default: return ""
            }
        case "ReplicationController":
            return field == "status.replicas" ? intText(object[path: ["status", "replicas"]]) : ""
        case "Job":
            return field == "status.successful" ? intText(object[path: ["status", "succeeded"]]) : ""
        case "CertificateSigningRequest":
            return field == "spec.signerName" ? text(object[path: ["spec", "signerName"]]) : ""
        case "Event": return eventValue(field, object)
        default: return ""
        }
    }

    private static func podValue(_ field: String, _ pod: JSON) -> String {
        switch field {
        case "spec.nodeName": return text(pod[path: ["spec", "nodeName"]])
        case "spec.restartPolicy": return text(pod[path: ["spec", "restartPolicy"]])
        case "spec.schedulerName": return text(pod[path: ["spec", "schedulerName"]])
        case "spec.serviceAccountName": return text(pod[path: ["spec", "serviceAccountName"]])
        case "spec.hostNetwork": return boolText(pod[path: ["spec", "hostNetwork"]])
        case "status.phase": return text(pod[path: ["status", "phase"]])
        case "status.podIP":
            // Kubernetes reads the first of status.podIPs; status.podIP mirrors it.
            if let first = pod[path: ["status", "podIPs"]][0]["ip"].string { return first }
            return text(pod[path: ["status", "podIP"]])
        case "status.nominatedNodeName": return text(pod[path: ["status", "nominatedNodeName"]])
        default: return ""
        }
    }

    /// Events are stored in core/v1 shape; events.k8s.io spellings are read as a fallback.
    private static func eventValue(_ field: String, _ event: JSON) -> String {
        func first(_ paths: [[String]]) -> String {
            for path in paths { if let s = event[path: path].string, !s.isEmpty { return s } }
            return ""
        }
        let involved = "involvedObject."
        if field.hasPrefix(involved) {
            let member = String(field.dropFirst(involved.count))
            return first([["involvedObject", member], ["regarding", member]])
        }
        switch field {
        case "reason": return text(event["reason"])
        case "type": return text(event["type"])
        case "reportingComponent": return first([["reportingComponent"], ["reportingController"]])
        case "source":
            // Kubernetes: source.component, or the reporting controller when that is empty.
            return first([["source", "component"], ["deprecatedSource", "component"],
                          ["reportingComponent"], ["reportingController"]])
        default: return ""
        }
    }

    private static func text(_ value: JSON) -> String { value.string ?? "" }

    /// Go's strconv.FormatBool of a field that defaults to false.
    private static func boolText(_ value: JSON) -> String { value.bool == true ? "true" : "false" }

    /// Go's strconv.Itoa of a count that defaults to 0.
    private static func intText(_ value: JSON) -> String { String(value.int ?? 0) }
}
