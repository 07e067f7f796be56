import KubeAPI

/// PATCH with `application/apply-patch+yaml`: the applied configuration merged into the live object (or made
/// into a new one) under the request's field manager, with Kubernetes' conflicts.
enum ServerSideApply {
    static let mediaType = "application/apply-patch+yaml"

    /// The applied configuration: a YAML (or JSON) object that does not carry managedFields.
    static func configuration(_ body: [UInt8], _ t: ResourceType) throws -> JSON {
        let config: JSON
        do {
            config = try BodyCodec.decodeYAML(body, kindHint: t.kind)
        } catch let e as APIError {
            throw APIError.badRequest("error decoding YAML: \(e.message)")
        }
        guard config.object != nil else {
            throw APIError.badRequest("error decoding YAML: the applied configuration is not an object")
        }
        if !config["metadata"]["managedFields"].isNull {
            throw APIError.badRequest("metadata.managedFields must be nil")
        }
        return config
    }

    /// The object once `config` is applied to `live`, managedFields included. For a create, `live` is nil.
    static func apply(_ t: ResourceType, live: JSON?, config: JSON, subresource: String?, options: WriteOptions) throws -> JSON {
        let base = live ?? bareObject(t, like: config)
        let scope = ManagedFields.scope(t, subresource: subresource)
        do {
            return try FieldManager.apply(live: base, config: config, manager: options.fieldManager ?? "",
                                          force: options.force, scope: scope, now: Clock.timestamp())
        } catch .conflicts(let c) {
            throw APIError(code: 409, reason: "Conflict", message: c.message, details: ["causes": .array(c.causes)])
        } catch .invalidConfiguration(let e) {
            throw APIError.badRequest("failed to create typed patch object (\(typedName(t, config))): \(e)")
        }
    }

    /// An applied configuration must fit the kind's schema whatever `fieldValidation` says: Kubernetes' typed
    /// conversion of it fails first, with a plain error (500, no reason), e.g. `failed to create typed patch object
    /// (default/web; apps/v1, Kind=Deployment): .spec.replicaz: field not declared in schema`.
    static func refuseUnknownFields(_ t: ResourceType, _ config: JSON) throws {
        let unknown = Admission.unknownFields(kind: t.admissionKind, object: config)
        guard !unknown.isEmpty else { return }
        let problems = unknown.map { ".\($0): field not declared in schema" }
        let detail = problems.count == 1 ? problems[0] : "errors:\n" + problems.map { "  " + $0 }.joined(separator: "\n")
        throw APIError(code: 500, reason: "", message: "failed to create typed patch object (\(typedName(t, config))): \(detail)")
    }

    /// `namespace/name; group/version, Kind=Kind`, as Kubernetes names the object in these errors (the core group
    /// is empty: `/v1, Kind=Secret`).
    static func typedName(_ t: ResourceType, _ config: JSON) -> String {
        "\(config.namespace ?? "")/\(config.name ?? ""); \(t.group)/\(t.version), Kind=\(t.kind)"
    }

    /// What an apply that creates starts from: the type and the name, nothing else.
    static func bareObject(_ t: ResourceType, like config: JSON) -> JSON {
        var o: JSON = ["apiVersion": .string(t.apiVersion), "kind": .string(t.kind)]
        o["metadata"]["name"] = config["metadata"]["name"]
        o["metadata"]["namespace"] = config["metadata"]["namespace"]
        return o
    }
}
