// The validation entry point and the 422 Status it leads to.

extension Admission {
    /// Validates a write of `object` (a kind key, see `Admission`), after defaulting:
    /// a create when `old` is nil, else an update of `old`. Returns the problems in the order
    /// Kubernetes finds them; empty means valid. Unknown kinds are not validated.
    public static func validate(kind: String, object: JSON, old: JSON?) -> [FieldError] {
        switch kind {
        case "Pod":
            return old.map { validatePodUpdate(object, old: $0) } ?? validatePodCreate(object)
        case "Service":
            return old.map { validateServiceUpdate(object, old: $0) } ?? validateService(object)
        case "Secret":
            return old.map { validateSecretUpdate(object, old: $0) } ?? validateSecret(object)
        case "ConfigMap":
            return old.map { validateConfigMapUpdate(object, old: $0) } ?? validateConfigMap(object)
        case "Namespace":
            // On update only the metadata can change (the strategy keeps spec and status).
            return old.map { validateObjectMetaUpdate(object["metadata"], old: $0["metadata"]) } ?? validateNamespace(object)
        case "Node":
            return validateNode(object, old: old)
        case "ServiceAccount":
            return old.map { validateObjectMetaUpdate(object["metadata"], old: $0["metadata"]) }
                ?? validateObjectMeta(object["metadata"], namespaced: true, nameRule: .dns1123Subdomain)
        case "Endpoints":
            let meta = old.map { validateObjectMetaUpdate(object["metadata"], old: $0["metadata"]) } ?? []
            return meta + validateEndpoints(object)
        case "EndpointSlice":
            return validateEndpointSlice(object, old: old)
        case "Event", "events.k8s.io/Event":
            let meta = old.map { validateObjectMetaUpdate(object["metadata"], old: $0["metadata"]) } ?? []
            return orGenericMeta(meta + validateEvent(object, eventsGroup: kind != "Event"), object, create: old == nil)
        case "Lease":
            let meta = old.map { validateObjectMetaUpdate(object["metadata"], old: $0["metadata"]) } ?? []
            return meta + validateLease(object)
        case "Deployment":
            guard let old else { return validateDeployment(object) }
            return validateObjectMetaUpdate(object["metadata"], old: old["metadata"]) + validateDeploymentSpec(object["spec"])
                + validateSelectorUnchanged(object, old: old)
        case "ReplicaSet":
            guard let old else { return validateReplicaSet(object) }
            return validateObjectMetaUpdate(object["metadata"], old: old["metadata"]) + validateReplicaSet(object)
                + validateSelectorUnchanged(object, old: old)
        case "Scale":
            return validateScale(object)
        case "Binding":
            return orGenericMeta(validateBinding(object), object, create: true)
        default:
            return []
        }
    }

    /// After a kind's own checks pass, the API server's generic store checks the metadata of
    /// every created object once more, with only URL-path rules for the name; that matters
    /// for kinds whose own validation skips metadata (core Events, Bindings).
    static func orGenericMeta(_ errors: [FieldError], _ object: JSON, create: Bool) -> [FieldError] {
        guard errors.isEmpty, create else { return errors }
        return validateObjectMeta(object["metadata"], namespaced: true, nameRule: .pathSegment)
    }

    /// The 422 `Status` body Kubernetes returns for validation errors:
    /// `Secret "nginxsecret" is invalid: [data[tls.crt]: Required value, data[tls.key]: Required value]`
    /// (one error goes without brackets; repeated messages are listed once, causes keep all).
    /// `group` is "" for the core group, and then left out of `details`.
    public static func invalidStatus(kind: String, group: String, name: String, errors: [FieldError]) -> JSON {
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        var messages: [String] = []
        for e in errors where !messages.contains(e.description) { messages.append(e.description) }
        let aggregate: String
        switch messages.count {
        case 0: aggregate = "<nil>"
        case 1: aggregate = messages[0]
        default: aggregate = "[" + messages.joined(separator: ", ") + "]"
        }
        var details: JSON = ["name": .string(name), "kind": .string(kind)]
        if !group.isEmpty { details["group"] = .string(group) }
        details["causes"] = .array(errors.map { e in
            var cause: JSON = ["reason": .string(e.type.rawValue), "message": .string(e.body)]
            if !e.field.isEmpty { cause["field"] = .string(e.field) }
            return cause
        })
        return [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string("\(qualifiedKind) \(GoSyntax.quote(name)) is invalid: \(aggregate)"),
            "reason": "Invalid", "details": details, "code": 422,
        ]
    }
}
