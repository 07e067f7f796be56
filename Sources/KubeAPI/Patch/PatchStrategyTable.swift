/// How strategic merge patch treats the fields of one object type: which lists merge element by
/// element (and by which key), which scalar lists merge as sets, and the schemas of nested
/// objects. Only fields that differ from the defaults are listed: maps merge recursively and
/// lists are replaced wholesale unless a table entry says otherwise. The entries mirror the
/// `patchStrategy`/`patchMergeKey` tags of the Kubernetes API types, which kubectl uses when it
/// computes the patches it sends, so both sides must agree.
final class PatchSchema: Sendable {
    let fields: [String: PatchField]

    init(_ fields: [String: PatchField]) {
        self.fields = fields
    }

    subscript(field: String) -> PatchField? { fields[field] }
}

struct PatchField: Sendable {
    enum ListStrategy: Sendable, Equatable {
        /// No strategy: the patch's list replaces the live one.
        case replace
        /// Elements are objects identified by this key; they merge one by one.
        case mergeByKey(String)
        /// Elements are scalars; the lists merge as sets (e.g. `metadata.finalizers`).
        case mergeSet
    }

    var list: ListStrategy
    /// The schema of the nested object, or of each element for lists of objects.
    var schema: PatchSchema?
    /// Server-side apply only: the key fields of a merged list when they are more than the merge key
    /// (`+listMapKey`, e.g. containerPort and protocol).
    var applyKeys: [String]? = nil
    /// Server-side apply only: the object is one value, owned and replaced whole (`+structType=atomic`,
    /// `+mapType=atomic`); strategic merge patch still merges it.
    var atomic = false

    /// A nested object whose own fields have strategies.
    static func object(_ schema: PatchSchema) -> PatchField { PatchField(list: .replace, schema: schema) }
    /// A list of objects merged by `key` (and, for server-side apply, identified by `applyKeys`).
    static func merge(by key: String, _ schema: PatchSchema? = nil, applyKeys: [String]? = nil) -> PatchField {
        PatchField(list: .mergeByKey(key), schema: schema, applyKeys: applyKeys)
    }
    /// A list of scalars merged as a set.
    static let set = PatchField(list: .mergeSet, schema: nil)
    /// An object server-side apply treats as a single value (label selectors, node selectors).
    static let atomicObject = PatchField(list: .replace, schema: nil, atomic: true)
}

/// The table itself, by kind. Kinds not listed (custom resources, kinds without list strategies)
/// still get the ObjectMeta rules.
enum PatchStrategyTable {
    static func schema(forKind kind: String) -> PatchSchema {
        byKind[kind] ?? withMetadata([:])
    }

    // MARK: Building blocks

    static let objectMeta = PatchSchema([
        "finalizers": .set,
        "ownerReferences": .merge(by: "uid"),
    ])

    /// Container, and the EphemeralContainer fields it shares.
    static let container = PatchSchema([
        "ports": .merge(by: "containerPort", applyKeys: ["containerPort", "protocol"]),
        "env": .merge(by: "name"),
        "volumeMounts": .merge(by: "mountPath"),
        "volumeDevices": .merge(by: "devicePath"),
    ])

    static let podSpec = PatchSchema([
        "containers": .merge(by: "name", container),
        "initContainers": .merge(by: "name", container),
        "ephemeralContainers": .merge(by: "name", container),
        // Also `retainKeys`: kubectl then sends `$retainKeys`, which the merge honours anywhere.
        "volumes": .merge(by: "name"),
        "imagePullSecrets": .merge(by: "name"),
        "hostAliases": .merge(by: "ip"),
        "topologySpreadConstraints": .merge(by: "topologyKey", applyKeys: ["topologyKey", "whenUnsatisfiable"]),
        "nodeSelector": .atomicObject,
        "resourceClaims": .merge(by: "name"),
        "schedulingGates": .merge(by: "name"),
    ])

    static let podStatus = PatchSchema([
        "conditions": .merge(by: "type"),
        "podIPs": .merge(by: "ip"),
        "hostIPs": .merge(by: "ip"),
        "resourceClaimStatuses": .merge(by: "name"),
    ])

    static let podTemplateSpec = PatchSchema([
        "metadata": .object(objectMeta),
        "spec": .object(podSpec),
    ])

    /// `status.conditions` merged by `type`, shared by most workload and node status types.
    static let conditionsByType = PatchSchema([
        "conditions": .merge(by: "type"),
    ])

    static let specWithPodTemplate = PatchSchema([
        "template": .object(podTemplateSpec),
        "selector": .atomicObject,
    ])

    static func withMetadata(_ fields: [String: PatchField]) -> PatchSchema {
        var all = fields
        all["metadata"] = .object(objectMeta)
        return PatchSchema(all)
    }

    // MARK: Kinds

    static let byKind: [String: PatchSchema] = [
        "Pod": withMetadata([
            "spec": .object(podSpec),
            "status": .object(podStatus),
        ]),
        "PodTemplate": withMetadata([
            "template": .object(podTemplateSpec),
        ]),
        "ReplicationController": withMetadata([
            "spec": .object(specWithPodTemplate),
            "status": .object(conditionsByType),
        ]),
        "Deployment": withMetadata([
            "spec": .object(specWithPodTemplate),
            "status": .object(conditionsByType),
        ]),
        "ReplicaSet": withMetadata([
            "spec": .object(specWithPodTemplate),
            "status": .object(conditionsByType),
        ]),
        "StatefulSet": withMetadata([
            "spec": .object(specWithPodTemplate),
            "status": .object(conditionsByType),
        ]),
        "DaemonSet": withMetadata([
            "spec": .object(specWithPodTemplate),
            "status": .object(conditionsByType),
        ]),
        "Job": withMetadata([
            "spec": .object(specWithPodTemplate),
            "status": .object(conditionsByType),
        ]),
        "CronJob": withMetadata([
            "spec": .object(PatchSchema([
                "jobTemplate": .object(PatchSchema([
                    "metadata": .object(objectMeta),
                    "spec": .object(specWithPodTemplate),
                ]))
            ]))
        ]),
        "Service": withMetadata([
            "spec": .object(PatchSchema([
                "ports": .merge(by: "port", applyKeys: ["port", "protocol"]),
                "selector": .atomicObject,
            ])),
            "status": .object(conditionsByType),
        ]),
        "Node": withMetadata([
            "spec": .object(PatchSchema(["podCIDRs": .set])),
            "status": .object(PatchSchema([
                "conditions": .merge(by: "type"),
                "addresses": .merge(by: "type"),
            ])),
        ]),
        "Namespace": withMetadata([
            "status": .object(conditionsByType)
        ]),
        "PersistentVolumeClaim": withMetadata([
            "status": .object(conditionsByType)
        ]),
        "ServiceAccount": withMetadata([
            "secrets": .merge(by: "name")
        ]),
        // Endpoints subsets, EndpointSlice endpoints/ports, ConfigMap and Secret data: no list
        // strategies (lists replace, maps merge), so the ObjectMeta rules are all they need.
    ]
}
