import Foundation
import KubeAPI

/// metav1.Time as it travels: RFC 3339 in UTC with whole seconds. Conditions and timestamps the
/// workload controllers write use this form so they compare equal after a round trip.
enum WorkloadTime {
    static func format(_ date: Date) -> String { formatRFC3339(date) }

    static func parse(_ value: JSON) -> Date? {
        guard let text = value.string, !text.isEmpty else { return nil }
        return parseRFC3339(text)
    }

    /// Truncates to whole seconds, as a metav1.Time does once serialized; comparisons with
    /// stored timestamps then agree with what the API returns.
    static func truncated(_ date: Date) -> Date {
        Date(timeIntervalSince1970: date.timeIntervalSince1970.rounded(.down))
    }
}
