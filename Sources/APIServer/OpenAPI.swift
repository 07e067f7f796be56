import KubeAPI

/// OpenAPI v3 documents, one per group version. kubectl's validation finds the kind's PATCH operation (by
/// `x-kubernetes-group-version-kind`) and checks that `fieldValidation` is a parameter, then leaves validation to
/// the server; `kubectl explain` and `kubectl apply`'s patch computation read the kinds' schemas.
enum OpenAPI {
    static func gvPath(_ group: String, _ version: String) -> String {
        group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
    }

    /// The documents by path ("api/v1", "apis/apps/v1"). The served types are compiled in, so they are built once:
    /// kubectl fetches the index on every `apply`, and building and hashing every document each time was most of it.
    static let documents: [String: JSON] = Dictionary(uniqueKeysWithValues: ResourceRegistry.groupVersions.compactMap { gv in
        let p = gvPath(gv.group, gv.version)
        return build(path: p).map { (p, $0) }
    })

    /// What `GET /openapi/v3` answers: where each document is, with a hash of its content so that clients cache it.
    static let index: JSON = {
        var paths: [String: JSON] = [:]
        for (p, doc) in documents {
            paths[p] = ["serverRelativeURL": .string("/openapi/v3/\(p)?hash=\(hexHash(doc.jsonString))")]
        }
        return ["paths": .object(paths)]
    }()

    /// The document of one group version, or nil when it serves no types.
    private static func build(path: String) -> JSON? {
        guard let gv = ResourceRegistry.groupVersions.first(where: { gvPath($0.group, $0.version) == path }) else { return nil }
        let types = ResourceRegistry.resources(inGroup: gv.group, version: gv.version)
        guard !types.isEmpty else { return nil }
        var paths: [String: JSON] = [:]
        for t in types {
            let gvk: JSON = ["group": .string(t.group), "version": .string(t.version), "kind": .string(t.kind)]
            let base = t.namespaced ? "/\(path)/namespaces/{namespace}/\(t.plural)" : "/\(path)/\(t.plural)"
            paths[base] = ["post": operation("create", t, gvk), "get": operation("list", t, gvk)]
            paths[base + "/{name}"] = ["get": operation("read", t, gvk), "put": operation("replace", t, gvk),
                                       "patch": operation("patch", t, gvk), "delete": operation("delete", t, gvk)]
            for sub in t.subresources where ["status", "scale"].contains(sub) {
                let k = Discovery.subresourceKind(t, sub)
                let subGVK: JSON = ["group": .string(k.group), "version": .string(k.version), "kind": .string(k.kind)]
                paths[base + "/{name}/\(sub)"] = ["get": operation("read", t, subGVK), "put": operation("replace", t, subGVK),
                                                  "patch": operation("patch", t, subGVK)]
            }
        }
        // The kinds' schemas, for `kubectl explain` and for the list merge keys kubectl's strategic merge patches use;
        // a group with a scale subresource also serves autoscaling/v1 Scale, as Kubernetes' documents do.
        var kinds = types.map(\.admissionKind)
        if types.contains(where: { $0.subresources.contains("scale") }) { kinds.append("Scale") }
        let schemas = Admission.openAPIComponents(kinds: kinds)
        return ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.32.4"],
                "paths": .object(paths), "components": ["schemas": .object(schemas)]]
    }

    private static func operation(_ verb: String, _ t: ResourceType, _ gvk: JSON) -> JSON {
        var parameters: [JSON] = [
            ["name": "dryRun", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
            ["name": "fieldManager", "in": "query", "schema": ["type": "string", "uniqueItems": true]],
        ]
        if ["create", "replace", "patch"].contains(verb) {
            parameters.append(["name": "fieldValidation", "in": "query", "schema": ["type": "string", "uniqueItems": true]])
        }
        var op: JSON = ["operationId": .string("\(verb)\(t.kind)"),
                        "x-kubernetes-action": .string(verb == "read" ? "get" : verb),
                        "x-kubernetes-group-version-kind": gvk,
                        "parameters": .array(parameters),
                        "responses": ["200": ["description": "OK"]]]
        if verb == "patch" {
            op["requestBody"] = ["content": [
                "application/apply-patch+yaml": ["schema": ["type": "object"]],
                "application/json-patch+json": ["schema": ["type": "object"]],
                "application/merge-patch+json": ["schema": ["type": "object"]],
                "application/strategic-merge-patch+json": ["schema": ["type": "object"]],
            ]]
        }
        return op
    }

    /// A short stable content hash (FNV-1a) so clients cache documents until they change.
    static func hexHash(_ s: String) -> String {
        let hex = fnv1aHex(s).uppercased()
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// OpenAPI v2, which kubectl up to 1.29 downloads (as gnostic protobuf) before `apply`. It carries no
    /// definitions: kubectl then merges with its compiled-in types, exactly as it does with v3 here.
    static let v2ProtobufContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

    static func v2Protobuf() -> [UInt8] {
        func field(_ number: UInt8, _ bytes: [UInt8]) -> [UInt8] { [number << 3 | 2, UInt8(bytes.count)] + bytes }
        let info = field(1, Array("Kubernetes".utf8)) + field(2, Array("v1.32.4".utf8))
        return field(1, Array("2.0".utf8)) + field(2, info)
    }

    static func v2JSON() -> JSON {
        ["swagger": "2.0", "info": ["title": "Kubernetes", "version": "v1.32.4"], "paths": [:], "definitions": [:]]
    }
}
