/// The API server's write-path checks (strict field decoding, defaulting, validation) for the
/// kinds swiftlet serves. Every entry point takes a *kind key*: the Kind, except that the
/// events.k8s.io Event is `events.k8s.io/Event` (the core one is plain `Event`).
public enum Admission {
    /// Facts about one kind the checks need.
    public struct KindInfo: Sendable {
        /// The kind key (`Deployment`, `events.k8s.io/Event`).
        public let key: String
        public let group: String
        public let version: String
        public let kind: String
        public let namespaced: Bool
        public let schema: FieldSchema
    }

    public static let kinds: [String: KindInfo] = {
        let list: [(String, String, String, Bool, FieldSchema)] = [
            ("", "v1", "Namespace", false, KnownFields.namespace),
            ("", "v1", "Node", false, KnownFields.node),
            ("", "v1", "Pod", true, KnownFields.pod),
            ("", "v1", "Service", true, KnownFields.service),
            ("", "v1", "Endpoints", true, KnownFields.endpoints),
            ("", "v1", "Secret", true, KnownFields.secret),
            ("", "v1", "ConfigMap", true, KnownFields.configMap),
            ("", "v1", "ServiceAccount", true, KnownFields.serviceAccount),
            ("", "v1", "Event", true, KnownFields.coreEvent),
            ("", "v1", "Binding", true, KnownFields.binding),
            ("discovery.k8s.io", "v1", "EndpointSlice", true, KnownFields.endpointSlice),
            ("events.k8s.io", "v1", "Event", true, KnownFields.eventsEvent),
            ("coordination.k8s.io", "v1", "Lease", true, KnownFields.lease),
            ("apps", "v1", "Deployment", true, KnownFields.deployment),
            ("apps", "v1", "ReplicaSet", true, KnownFields.replicaSet),
            ("autoscaling", "v1", "Scale", true, KnownFields.scale),
        ]
        var out: [String: KindInfo] = [:]
        for (group, version, kind, namespaced, schema) in list {
            let key = kindKey(group: group, kind: kind)
            out[key] = KindInfo(key: key, group: group, version: version, kind: kind,
                                namespaced: namespaced, schema: schema)
        }
        return out
    }()

    /// The kind key for a group and kind: only the events.k8s.io Event is qualified, because
    /// it is the one Kind name served by two groups here.
    public static func kindKey(group: String, kind: String) -> String {
        group == "events.k8s.io" ? "events.k8s.io/\(kind)" : kind
    }

    /// The kind key for an object's `apiVersion` and `kind` (`events.k8s.io/v1` + `Event`).
    public static func kindKey(apiVersion: String, kind: String) -> String {
        let group = apiVersion.contains("/") ? String(apiVersion.split(separator: "/")[0]) : ""
        return kindKey(group: group, kind: kind)
    }
}

extension FieldSchema {
    /// The schema of a top-level kind, by kind key; nil for kinds this table does not know.
    public static func forKind(_ key: String) -> FieldSchema? {
        Admission.kinds[key]?.schema
    }
}
