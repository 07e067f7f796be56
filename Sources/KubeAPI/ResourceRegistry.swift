/// What the API serves: every resource type with the names discovery advertises and the REST paths use.
public struct ResourceType: Sendable, Hashable {
    public let group: String
    public let version: String
    public let kind: String
    public let plural: String
    public let namespaced: Bool
    public let shortNames: [String]
    public let categories: [String]
    /// Subresources beyond the object itself ("status", "scale", "log", "exec", ...).
    public let subresources: [String]
    /// The kind's list kind, e.g. PodList.
    public var listKind: String { kind + "List" }
    public var singular: String { kind.lowercased() }
    /// "v1" or "apps/v1".
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
    /// Storage identity: Kubernetes stores one copy per group resource ("pods", "deployments.apps"), except that the
    /// events.k8s.io Event is the core Event under other field names (see `StorageConversion`).
    public var storageName: String { group == "events.k8s.io" ? plural : qualifiedName }
    /// The group-qualified resource as error messages name it ("pods", "deployments.apps", "events.events.k8s.io").
    public var qualifiedName: String { group.isEmpty ? plural : "\(plural).\(group)" }
    /// The API's own identity for this resource ("v1/events", "events.k8s.io/v1/events"), unique where storage is not.
    public var apiPath: String { "\(apiVersion)/\(plural)" }
    /// The key Admission uses for schema, defaults and validation.
    public var admissionKind: String { group == "events.k8s.io" ? "events.k8s.io/Event" : kind }

    public var verbs: [String] {
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
    }

    /// The path prefix under which this resource's collection lives, without a namespace.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    public init(group: String, version: String, kind: String, plural: String, namespaced: Bool,
                shortNames: [String] = [], categories: [String] = [], subresources: [String] = []) {
        self.group = group
        self.version = version
        self.kind = kind
        self.plural = plural
        self.namespaced = namespaced
        self.shortNames = shortNames
        self.categories = categories
        self.subresources = subresources
    }
}

/// The resource types of this server, as one table so discovery, routing, OpenAPI and the store agree.
public enum ResourceRegistry {
    public static let all: [ResourceType] = [
        ResourceType(group: "", version: "v1", kind: "Namespace", plural: "namespaces", namespaced: false,
                     shortNames: ["ns"], subresources: ["status", "finalize"]),
        ResourceType(group: "", version: "v1", kind: "Node", plural: "nodes", namespaced: false,
                     shortNames: ["no"], subresources: ["status", "proxy"]),
        ResourceType(group: "", version: "v1", kind: "Pod", plural: "pods", namespaced: true,
                     shortNames: ["po"], categories: ["all"],
                     subresources: ["status", "log", "exec", "attach", "portforward", "binding", "eviction", "ephemeralcontainers"]),
        ResourceType(group: "", version: "v1", kind: "Service", plural: "services", namespaced: true,
                     shortNames: ["svc"], categories: ["all"], subresources: ["status", "proxy"]),
        ResourceType(group: "", version: "v1", kind: "Endpoints", plural: "endpoints", namespaced: true,
                     shortNames: ["ep"]),
        ResourceType(group: "", version: "v1", kind: "Secret", plural: "secrets", namespaced: true),
        ResourceType(group: "", version: "v1", kind: "ConfigMap", plural: "configmaps", namespaced: true,
                     shortNames: ["cm"]),
        ResourceType(group: "", version: "v1", kind: "ServiceAccount", plural: "serviceaccounts", namespaced: true,
                     shortNames: ["sa"], subresources: ["token"]),
        ResourceType(group: "", version: "v1", kind: "Event", plural: "events", namespaced: true,
                     shortNames: ["ev"]),
        ResourceType(group: "apps", version: "v1", kind: "Deployment", plural: "deployments", namespaced: true,
                     shortNames: ["deploy"], categories: ["all"], subresources: ["status", "scale"]),
        ResourceType(group: "apps", version: "v1", kind: "ReplicaSet", plural: "replicasets", namespaced: true,
                     shortNames: ["rs"], categories: ["all"], subresources: ["status", "scale"]),
        ResourceType(group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice", plural: "endpointslices",
                     namespaced: true),
        ResourceType(group: "events.k8s.io", version: "v1", kind: "Event", plural: "events", namespaced: true,
                     shortNames: ["ev"]),
        ResourceType(group: "coordination.k8s.io", version: "v1", kind: "Lease", plural: "leases", namespaced: true),
    ]

    /// Groups in the order discovery lists them; the core group ("") is served under /api.
    public static let groups: [String] = ["", "apps", "discovery.k8s.io", "events.k8s.io", "coordination.k8s.io",
                                          "autoscaling"]

    private static let byPath: [String: ResourceType] = {
        var m: [String: ResourceType] = [:]
        for r in all { m["\(r.apiVersion)/\(r.plural)"] = r }
        return m
    }()

    /// The resource served at `<apiVersion>/<plural>`, e.g. ("apps/v1", "deployments").
    public static func lookup(apiVersion: String, plural: String) -> ResourceType? {
        byPath["\(apiVersion)/\(plural)"]
    }

    /// The resource types served by one group version.
    public static func resources(inGroup group: String, version: String) -> [ResourceType] {
        all.filter { $0.group == group && $0.version == version }
    }

    /// The storage resource of a kind within a group, for following ownerReferences and involvedObjects.
    public static func lookup(apiVersion: String, kind: String) -> ResourceType? {
        all.first { $0.apiVersion == apiVersion && $0.kind == kind }
    }

    public static var groupVersions: [(group: String, version: String)] {
        [("", "v1"), ("apps", "v1"), ("discovery.k8s.io", "v1"), ("events.k8s.io", "v1"),
         ("coordination.k8s.io", "v1"), ("autoscaling", "v1")]
    }
}
