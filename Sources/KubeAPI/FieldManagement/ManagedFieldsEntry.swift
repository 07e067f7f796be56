/// One entry of `metadata.managedFields`: which fields one manager owns through one kind of operation.
public struct ManagedFieldsEntry: Equatable, Sendable {
    public enum Operation: String, Sendable { case apply = "Apply", update = "Update" }

    public var manager: String
    public var operation: Operation
    public var apiVersion: String
    /// RFC 3339, seconds; nil when the entry was never stamped.
    public var time: String?
    /// "status" or "scale" for writes through a subresource.
    public var subresource: String?
    public var fields: FieldSet

    public init(manager: String, operation: Operation, apiVersion: String, time: String?, subresource: String?,
                fields: FieldSet)
    {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.subresource = subresource
        self.fields = fields
    }

    /// What makes two entries the same manager: Kubernetes keys entries by manager, operation and subresource,
    /// and, for Update only, the apiVersion written with (an applier stays one manager across versions).
    public struct Identity: Hashable, Sendable {
        public let manager: String
        public let operation: Operation
        public let subresource: String?
        public let apiVersion: String?
    }

    public var identity: Identity {
        Identity(manager: manager, operation: operation, subresource: subresource,
                 apiVersion: operation == .update ? apiVersion : nil)
    }

    /// How an apply conflict names the entry: `"kubectl-edit" using apps/v1`, `"kube-controller-manager" with
    /// subresource "scale" using apps/v1`, `"kubectl"` for an applier.
    public var conflictName: String {
        var s = Admission.GoSyntax.quote(manager)
        if let subresource { s += " with subresource \(Admission.GoSyntax.quote(subresource))" }
        if operation == .update { s += " using \(apiVersion)" }
        return s
    }

    public init?(json: JSON) {
        guard let op = json["operation"].string.flatMap(Operation.init(rawValue:)) else { return nil }
        manager = json["manager"].string ?? ""
        operation = op
        apiVersion = json["apiVersion"].string ?? ""
        time = json["time"].string
        subresource = json["subresource"].string.flatMap { $0.isEmpty ? nil : $0 }
        fields = FieldSet(fieldsV1: json["fieldsV1"])
    }

    public var json: JSON {
        var o: JSON = ["operation": .string(operation.rawValue), "apiVersion": .string(apiVersion),
                       "fieldsType": "FieldsV1", "fieldsV1": fields.fieldsV1]
        // Empty strings are left out, as Go's omitempty does.
        if !manager.isEmpty { o["manager"] = .string(manager) }
        if let time { o["time"] = .string(time) }
        if let subresource { o["subresource"] = .string(subresource) }
        return o
    }

    /// The entries of an object's metadata (unreadable ones are dropped).
    public static func entries(of object: JSON) -> [ManagedFieldsEntry] {
        object["metadata"]["managedFields"].elements.compactMap(ManagedFieldsEntry.init(json:))
    }

    /// Stores entries in Kubernetes' order: Apply before Update, then oldest first, then by manager, apiVersion,
    /// subresource. Entries without fields are dropped; no entries leaves the field out.
    public static func store(_ entries: [ManagedFieldsEntry], in object: inout JSON) {
        let kept = entries.filter { !$0.fields.isEmpty }.sorted { a, b in
            if a.operation != b.operation { return a.operation.rawValue < b.operation.rawValue }
            if (a.time ?? "") != (b.time ?? "") { return (a.time ?? "") < (b.time ?? "") }
            if a.manager != b.manager { return a.manager < b.manager }
            if a.apiVersion != b.apiVersion { return a.apiVersion < b.apiVersion }
            return (a.subresource ?? "") < (b.subresource ?? "")
        }
        object["metadata"]["managedFields"] = kept.isEmpty ? .null : .array(kept.map(\.json))
    }
}
