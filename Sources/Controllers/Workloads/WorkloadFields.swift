import Foundation
import KubeAPI
import KubeClient

/// Typed reads of the few fields the workload controllers need, with the apps/v1 defaults the API
/// server would have applied (the controllers also run against clients without admission).
enum WorkloadFields {
    /// `spec.replicas`, which apps/v1 defaults to 1.
    static func specReplicas(_ object: JSON) -> Int {
        Int(object["spec"]["replicas"].int ?? 1)
    }

    static func statusCount(_ object: JSON, _ field: String) -> Int {
        Int(object["status"][field].int ?? 0)
    }

    static func generation(_ object: JSON) -> Int64 { object["metadata"]["generation"].int ?? 0 }

    static func minReadySeconds(_ object: JSON) -> Int { Int(object["spec"]["minReadySeconds"].int ?? 0) }

    static func creationTime(_ object: JSON) -> Date? { WorkloadTime.parse(object["metadata"]["creationTimestamp"]) }

    static func isBeingDeleted(_ object: JSON) -> Bool { Ownership.isDeleting(object) }

    /// Writes an integer the way Go's `omitempty` would serialize it: zero disappears.
    static func omitEmpty(_ value: Int) -> JSON { value == 0 ? .null : .int(Int64(value)) }

    /// Objects read from a list may lack apiVersion/kind; owner references and events need them.
    static func typed(_ object: JSON, _ resource: ResourceType) -> JSON {
        var o = object
        if o.apiVersion == nil { o["apiVersion"] = .string(resource.apiVersion) }
        if o.kind == nil { o["kind"] = .string(resource.kind) }
        return o
    }

    static func key(_ object: JSON) -> String { Informer.key(object) }

    /// Splits a work-queue key "namespace/name" (or "name").
    static func split(_ key: String) -> (namespace: String, name: String) {
        guard let slash = key.firstIndex(of: "/") else { return ("", key) }
        return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }

    /// The text a Go client would print for an API error (`err.Error()`): the Status message.
    static func errorText(_ error: Error) -> String {
        if let e = error as? ClientError { return e.message }
        return String(describing: error)
    }

    static func isNotFound(_ error: Error) -> Bool { (error as? ClientError)?.isNotFound ?? false }
    static func isAlreadyExists(_ error: Error) -> Bool { (error as? ClientError)?.isAlreadyExists ?? false }
    static func isConflict(_ error: Error) -> Bool { (error as? ClientError)?.isConflict ?? false }
    static func isInvalid(_ error: Error) -> Bool { (error as? ClientError)?.code == 422 }
}

/// Go's ReplicaSetsByCreationTimestamp / PodsByCreationTimestamp order: oldest first, then by name.
func workloadOlderFirst(_ a: JSON, _ b: JSON) -> Bool {
    let ta = WorkloadFields.creationTime(a) ?? .distantPast
    let tb = WorkloadFields.creationTime(b) ?? .distantPast
    if ta != tb { return ta < tb }
    return (a.name ?? "") < (b.name ?? "")
}
