import Foundation

/// Formats an elapsed time the way Kubernetes' `duration.HumanDuration` does for the Age,
/// Last Seen and restart columns: about two significant figures, e.g. "45s", "119s", "2m",
/// "2m30s" (below ten minutes), "95m" (below three hours), "5h30m" (below eight hours), "30h",
/// "3d4h" (below eight days), "45d", "2y30d" (below eight years), "9y".
///
/// Clocks of two machines disagree a little, so a timestamp up to two seconds in the future
/// still reads "0s"; further in the future it is "<invalid>".
public func humanDuration(_ seconds: TimeInterval) -> String {
    guard seconds.isFinite else { return "<invalid>" }
    // Go converts the duration to whole seconds by truncating toward zero.
    let whole = Int(seconds.rounded(.towardZero))
    if whole < -1 { return "<invalid>" }
    if whole < 0 { return "0s" }
    if whole < 120 { return "\(whole)s" }

    let minutes = whole / 60
    if minutes < 10 {
        let s = whole % 60
        return s == 0 ? "\(minutes)m" : "\(minutes)m\(s)s"
    }
    if minutes < 180 { return "\(minutes)m" }

    let hours = whole / 3600
    if hours < 8 {
        let m = minutes % 60
        return m == 0 ? "\(hours)h" : "\(hours)h\(m)m"
    }
    if hours < 48 { return "\(hours)h" }
    if hours < 24 * 8 {
        let h = hours % 24
        return h == 0 ? "\(hours / 24)d" : "\(hours / 24)d\(h)h"
    }
    if hours < 24 * 365 * 2 { return "\(hours / 24)d" }
    if hours < 24 * 365 * 8 {
        let d = (hours / 24) % 365
        return d == 0 ? "\(hours / 24 / 365)y" : "\(hours / 24 / 365)y\(d)d"
    }
    return "\(hours / 24 / 365)y"
}

enum TableTime {
    /// The timestamp in a JSON field, or nil when it is absent, null or not a timestamp
    /// (Kubernetes' zero time).
    static func date(_ value: JSON) -> Date? {
        guard let s = value.string, !s.isEmpty else { return nil }
        return parseRFC3339(s)
    }

    /// The age of a timestamp at `now`, "<unknown>" when there is none (Kubernetes'
    /// `translateTimestampSince`).
    static func since(_ value: JSON, now: Date) -> String {
        guard let d = date(value) else { return "<unknown>" }
        return humanDuration(now.timeIntervalSince(d))
    }
}
