import Foundation

/// The Event row, for core/v1 Events and for events.k8s.io/v1 Events (which the apiserver
/// converts to the same internal type, so both print alike): the events.k8s.io names
/// `regarding`, `note`, `deprecatedSource`, `deprecatedFirstTimestamp`,
/// `deprecatedLastTimestamp` and `deprecatedCount` stand for `involvedObject`, `message`,
/// `source`, `firstTimestamp`, `lastTimestamp` and `count`.
enum EventRow {
    static func cells(_ event: JSON, now: Date) -> [JSON] {
        let involved = either(event, "involvedObject", "regarding")
        let source = either(event, "source", "deprecatedSource")
        let first = either(event, "firstTimestamp", "deprecatedFirstTimestamp")
        let last = either(event, "lastTimestamp", "deprecatedLastTimestamp")
        let series = event["series"]

        // First Seen falls back to eventTime, Last Seen to First Seen; a series knows better.
        var firstSeen = TableTime.since(first, now: now)
        if TableTime.date(first) == nil { firstSeen = TableTime.since(event["eventTime"], now: now) }
        var lastSeen = TableTime.since(last, now: now)
        if TableTime.date(last) == nil { lastSeen = firstSeen }
        var count = TableFormat.count(either(event, "count", "deprecatedCount"))
        if case .object = series {
            lastSeen = TableTime.since(series["lastObservedTime"], now: now)
            count = TableFormat.count(series["count"])
        } else if count == 0 {
            count = 1  // singleton events of the new API carry no count
        }

        let kind = TableFormat.text(involved["kind"]).lowercased()
        let objectName = TableFormat.text(involved["name"])
        let target = objectName.isEmpty ? kind : "\(kind)/\(objectName)"
        let message = either(event, "message", "note").string ?? ""

        return [
            .string(lastSeen),
            .string(TableFormat.text(event["type"])),
            .string(TableFormat.text(event["reason"])),
            .string(target),
            .string(TableFormat.text(involved["fieldPath"])),
            .string(sourceText(source, event)),
            .string(message.trimmingCharacters(in: .whitespacesAndNewlines)),
            .string(firstSeen),
            .int(count),
            .string(event.name ?? ""),
        ]
    }

    /// The core/v1 field when present, else its events.k8s.io/v1 counterpart.
    private static func either(_ event: JSON, _ core: String, _ events: String) -> JSON {
        let value = event[core]
        return value.isNull ? event[events] : value
    }

    /// "component, host", each falling back to reportingController / reportingInstance; just
    /// the component when there is no host.
    private static func sourceText(_ source: JSON, _ event: JSON) -> String {
        let component = firstNonEmpty(source["component"].string, event["reportingController"].string)
        let host = firstNonEmpty(source["host"].string, event["reportingInstance"].string)
        return host.isEmpty ? component : "\(component), \(host)"
    }

    private static func firstNonEmpty(_ a: String?, _ b: String?) -> String {
        if let a, !a.isEmpty { return a }
        return b ?? ""
    }
}
