/// Resources that Kubernetes serves from one storage under two APIs: the stored form and the form a given API shows.
/// The only such pair here is the Event: core/v1 `events` and events.k8s.io/v1 `events` are one stored object
/// (in core/v1 form), which the events.k8s.io API shows under its own field names.
public enum StorageConversion {
    /// The object as `type`'s API shows it.
    public static func toView(_ type: ResourceType, _ stored: JSON) -> JSON {
        guard type.group == EventConversion.group, stored.object != nil else { return stored }
        return EventConversion.toEventsV1(stored)
    }

    /// The object as it is stored, from `type`'s view of it.
    public static func toStorage(_ type: ResourceType, _ view: JSON) -> JSON {
        guard type.group == EventConversion.group, view.object != nil else { return view }
        return EventConversion.toCoreV1(view)
    }
}

/// core/v1 Event ↔ events.k8s.io/v1 Event, field for field, as Kubernetes' conversion functions map them through
/// the one internal Event type.
public enum EventConversion {
    static let group = "events.k8s.io"

    /// core/v1 name → events.k8s.io/v1 name, for the fields the newer API renamed.
    static let renamed: [(core: String, events: String)] = [
        ("involvedObject", "regarding"), ("message", "note"), ("source", "deprecatedSource"),
        ("firstTimestamp", "deprecatedFirstTimestamp"), ("lastTimestamp", "deprecatedLastTimestamp"),
        ("count", "deprecatedCount"), ("reportingComponent", "reportingController"),
    ]

    /// Fields both APIs spell alike.
    static let shared = ["metadata", "reason", "type", "eventTime", "series", "action", "related", "reportingInstance"]

    public static func toEventsV1(_ core: JSON) -> JSON {
        convert(core, apiVersion: "events.k8s.io/v1", renames: renamed.map { ($0.core, $0.events) })
    }

    public static func toCoreV1(_ events: JSON) -> JSON {
        convert(events, apiVersion: "v1", renames: renamed.map { ($0.events, $0.core) })
    }

    private static func convert(_ from: JSON, apiVersion: String, renames: [(String, String)]) -> JSON {
        var out: JSON = ["apiVersion": .string(apiVersion), "kind": "Event"]
        for field in shared { out[field] = from[field] }
        for (old, new) in renames { out[new] = from[old] }
        // Each side's empty source is `{}` in Kubernetes' JSON (a struct, never omitted); keep it only when set.
        for source in ["source", "deprecatedSource"] where out[source].object?.isEmpty == true { out[source] = .null }
        return out
    }
}
