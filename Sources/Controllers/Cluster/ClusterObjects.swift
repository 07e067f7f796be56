import Foundation
import KubeAPI
import KubeClient

/// Small object helpers shared by the cluster controllers (kept in one namespace so they cannot clash with
/// other controller areas in this module).
enum ClusterObjects {
    /// The object with its kind and apiVersion filled in: list items may come without them, and events
    /// name the involved object by kind.
    static func typed(_ obj: JSON, kind: String, apiVersion: String = "v1") -> JSON {
        var o = obj
        if o.kind == nil { o["kind"] = .string(kind) }
        if o.apiVersion == nil { o["apiVersion"] = .string(apiVersion) }
        return o
    }

    /// The condition of a type in `status.conditions`, if present.
    static func condition(_ obj: JSON, _ type: String) -> JSON? {
        obj["status"]["conditions"].elements.first { $0["type"].string == type }
    }

    /// metav1.Time text for a date, as the API writes it (seconds, UTC).
    static func timestamp(_ d: Date) -> String { EventRecorder.timestamp(d) }

    static func date(_ json: JSON) -> Date? { json.string.flatMap(parseRFC3339) }

    static func finalizers(_ obj: JSON) -> [String] { obj["metadata"]["finalizers"].elements.compactMap(\.string) }
}
