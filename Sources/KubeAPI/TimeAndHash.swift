import Foundation

/// RFC 3339 with second precision in UTC, as metav1.Time serialises ("2026-11-27T08:00:00Z").
public func formatRFC3339(_ date: Date = Date()) -> String {
    var t = time_t(date.timeIntervalSince1970.rounded(.down))
    var parts = tm()
    gmtime_r(&t, &parts)
    func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
    return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
}

/// FNV-1a (64 bit) of a string, in lowercase hex: a short stable content hash for cache keys and IDs.
public func fnv1aHex(_ s: String) -> String {
    var h: UInt64 = 0xcbf29ce484222325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
    return String(h, radix: 16)
}
