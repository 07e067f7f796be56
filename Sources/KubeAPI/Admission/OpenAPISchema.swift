// OpenAPI v3 schemas generated from the known-field tables, enough for `kubectl explain`-like
// use and for kubectl to find list merge keys.

extension Admission {
    /// The whole schema of a kind (kind key), every nested struct inlined; `.null` for an
    /// unknown kind. Top-level kinds carry `x-kubernetes-group-version-kind`.
    public static func openAPISchema(kind: String) -> JSON {
        guard let info = kinds[kind] else { return .null }
        var schema = inlineSchema(info.schema)
        schema["x-kubernetes-group-version-kind"] = [["group": .string(info.group), "kind": .string(info.kind), "version": .string(info.version)]]
        return schema
    }

    /// `components.schemas` for the given kind keys, one definition per Go struct, named as
    /// Kubernetes names them (`io.k8s.api.core.v1.Pod`) and linked with `$ref`s.
    public static func openAPIComponents(kinds keys: [String]) -> [String: JSON] {
        var out: [String: JSON] = [:]
        for key in keys {
            guard let info = kinds[key], let root = info.schema.structSchema else { continue }
            collectDefinitions(info.schema, into: &out)
            out[root.definitionName]?["x-kubernetes-group-version-kind"] = [
                ["group": .string(info.group), "kind": .string(info.kind), "version": .string(info.version)],
            ]
        }
        return out
    }

    static func inlineSchema(_ schema: FieldSchema) -> JSON {
        switch schema {
        case .object(let s):
            var props: [String: JSON] = [:]
            for (name, field) in s.fields { props[name] = inlineSchema(field) }
            return ["type": "object", "properties": .object(props)]
        case .map(let element, _):
            return ["type": "object", "additionalProperties": inlineSchema(element)]
        case .list(let element, _, let mergeKey):
            return listSchema(items: inlineSchema(element), mergeKey: mergeKey)
        default:
            return scalarSchema(schema)
        }
    }

    static func scalarSchema(_ schema: FieldSchema) -> JSON {
        switch schema {
        case .string: return ["type": "string"]
        case .integer(let goType): return ["type": "integer", "format": .string(goType == "int32" ? "int32" : "int64")]
        case .number: return ["type": "number", "format": "double"]
        case .boolean: return ["type": "boolean"]
        case .bytes: return ["type": "string", "format": "byte"]
        case .intOrString: return ["x-kubernetes-int-or-string": true, "anyOf": [["type": "integer"], ["type": "string"]]]
        case .quantity: return ["x-kubernetes-int-or-string": true, "anyOf": [["type": "integer"], ["type": "string"]]]
        case .time: return ["type": "string", "format": "date-time"]
        case .freeForm: return ["type": "object"]
        default: return [:]
        }
    }

    static func listSchema(items: JSON, mergeKey: String?) -> JSON {
        var out: JSON = ["type": "array", "items": items]
        if let mergeKey {
            out["x-kubernetes-patch-merge-key"] = .string(mergeKey)
            out["x-kubernetes-patch-strategy"] = "merge"
        }
        return out
    }

    /// Patch strategies of the Go field tags that a merge key alone does not say (`patchStrategy:"merge"` on a list of
    /// strings, `retainKeys`), by definition and field: kubectl computes its strategic merge patches from them.
    static let extraPatchStrategies: [String: String] = [
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.finalizers": "merge",
        "io.k8s.api.core.v1.PodSpec.volumes": "merge,retainKeys",
        "io.k8s.api.apps.v1.DeploymentSpec.strategy": "retainKeys",
    ]

    /// The schema of a field inside a component: structs become references.
    static func referenceSchema(_ schema: FieldSchema, into out: inout [String: JSON]) -> JSON {
        switch schema {
        case .object(let s):
            collectDefinitions(schema, into: &out)
            return ["allOf": [["$ref": .string("#/components/schemas/\(s.definitionName)")]], "default": [:]]
        case .map(let element, _):
            return ["type": "object", "additionalProperties": referenceSchema(element, into: &out)]
        case .list(let element, _, let mergeKey):
            return listSchema(items: referenceSchema(element, into: &out), mergeKey: mergeKey)
        default:
            return scalarSchema(schema)
        }
    }

    static func collectDefinitions(_ schema: FieldSchema, into out: inout [String: JSON]) {
        guard case .object(let s) = schema, out[s.definitionName] == nil else { return }
        out[s.definitionName] = [:]  // placeholder: stops recursion through shared structs
        var props: [String: JSON] = [:]
        for (name, field) in s.fields {
            var property = referenceSchema(field, into: &out)
            if let strategy = extraPatchStrategies["\(s.definitionName).\(name)"] {
                property["x-kubernetes-patch-strategy"] = .string(strategy)
            }
            props[name] = property
        }
        out[s.definitionName] = ["type": "object", "properties": .object(props)]
    }
}
