import KubeAPI

/// metadata.managedFields: one entry per manager and operation, with the time of its last write. The field
/// sets are recorded at top level only; kubectl shows managers and times from them.
enum ManagedFields {
    static func record(_ obj: inout JSON, manager: String, operation: String, apiVersion: String) {
        var entries = obj["metadata"]["managedFields"].elements.filter {
            !($0["manager"].string == manager && $0["operation"].string == operation)
        }
        var fields: [String: JSON] = [:]
        for key in obj.members.keys where !["apiVersion", "kind", "metadata", "status"].contains(key) {
            fields["f:\(key)"] = [:]
        }
        entries.append(["manager": .string(manager), "operation": .string(operation), "apiVersion": .string(apiVersion),
                        "time": .string(Clock.timestamp()), "fieldsType": "FieldsV1", "fieldsV1": .object(fields)])
        obj["metadata"]["managedFields"] = .array(entries)
    }
}
