// Unknown-field detection, as the API server's strict decoder reports it for
// `fieldValidation=Strict` (an error) and `fieldValidation=Warn` (warnings).

extension Admission {
    /// Paths of members the kind's Go types do not have, in the strict decoder's notation
    /// (`metadata.type`, `spec.template.spec.containers[0].imagee`). Keys are visited in sorted
    /// order, so the list is stable (Kubernetes lists them in document order, which an
    /// unordered JSON object no longer has). Unknown kinds report nothing.
    public static func unknownFields(kind: String, object: JSON) -> [String] {
        guard let schema = FieldSchema.forKind(kind) else { return [] }
        var out: [String] = []
        collectUnknown(object, schema, path: "", into: &out)
        return out
    }

    /// How the API server words any body it could not decode into the kind
    /// (`<Kind> in version "<v>" cannot be handled as a <Kind>: <error>`); sent as 400 BadRequest.
    public static func decodeErrorMessage(kind: String, version: String, error: String) -> String {
        "\(kind) in version \"\(version)\" cannot be handled as a \(kind): \(error)"
    }

    /// A complete 400 `Status` body with reason BadRequest, as for decode errors.
    public static func badRequestStatus(message: String) -> JSON {
        [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure",
            "message": .string(message), "reason": "BadRequest", "code": 400,
        ]
    }

    private static func collectUnknown(_ value: JSON, _ schema: FieldSchema, path: String, into out: inout [String]) {
        switch (schema, value) {
        case (.object(let s), .object(let members)):
            for key in members.keys.sorted() {
                let child = path.isEmpty ? key : path + "." + key
                guard let fieldSchema = s.fields[key] else {
                    out.append(child)
                    continue
                }
                collectUnknown(members[key]!, fieldSchema, path: child, into: &out)
            }
        case (.list(let element, _, _), .array(let items)):
            for (i, item) in items.enumerated() {
                collectUnknown(item, element, path: path + "[\(i)]", into: &out)
            }
        case (.map(let element, _), .object(let members)):
            // Only maps of structs could hide unknown fields; none of these kinds has one today,
            // but keep the walk general.
            guard element.structSchema != nil else { return }
            for key in members.keys.sorted() {
                collectUnknown(members[key]!, element, path: path + "[\(key)]", into: &out)
            }
        default:
            return
        }
    }
}

extension Admission {
    /// Removes what `unknownFields` reports, as decoding into the kind's Go struct does: fields the types do not
    /// have are never stored, whatever the field validation directive. Unknown kinds are left alone.
    public static func dropUnknownFields(kind: String, object: inout JSON) {
        guard let schema = FieldSchema.forKind(kind) else { return }
        object = pruned(object, schema)
    }

    private static func pruned(_ value: JSON, _ schema: FieldSchema) -> JSON {
        switch (schema, value) {
        case (.object(let s), .object(let members)):
            var kept: [String: JSON] = [:]
            for (key, member) in members {
                guard let fieldSchema = s.fields[key] else { continue }
                kept[key] = pruned(member, fieldSchema)
            }
            return .object(kept)
        case (.list(let element, _, _), .array(let items)):
            return .array(items.map { pruned($0, element) })
        case (.map(let element, _), .object(let members)) where element.structSchema != nil:
            return .object(members.mapValues { pruned($0, element) })
        default:
            return value
        }
    }
}
