/// Small formatting rules shared by several printers, kept apart so each printer reads like the
/// column list it fills.
enum TableFormat {
    /// A string field, "" when absent (Go's zero value, which the printers print as is).
    static func text(_ value: JSON) -> String { value.string ?? "" }

    /// An integer field, 0 when absent.
    static func count(_ value: JSON) -> Int64 { value.int ?? 0 }

    /// The number of members of a map field (data, binaryData).
    static func size(_ value: JSON) -> Int { value.object?.count ?? 0 }

    /// `labels.FormatLabels`: "k1=v1,k2=v2" sorted by key, "<none>" when empty.
    static func labels(_ value: JSON) -> String {
        let map = value.stringMap
        if map.isEmpty { return "<none>" }
        return map.keys.sorted().map { "\($0)=\(map[$0]!)" }.joined(separator: ",")
    }

    /// `net.JoinHostPort`: IPv6 addresses are bracketed.
    static func hostPort(_ host: String, _ port: Int64) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }

    /// The first `limit` items joined by ",", then " + N more..." for the rest
    /// (the printers' `listWithMoreString`); `empty` when there are none.
    static func limited(_ items: [String], total: Int, limit: Int = 3, empty: String) -> String {
        let shown = items.prefix(limit).joined(separator: ",")
        if total > limit { return "\(shown) + \(total - limit) more..." }
        return shown.isEmpty ? empty : shown
    }

    /// The Containers and Images cells of a pod template: names and images joined by ",".
    static func containerCells(_ podSpec: JSON) -> (names: String, images: String) {
        let containers = podSpec["containers"].elements
        return (containers.map { text($0["name"]) }.joined(separator: ","),
                containers.map { text($0["image"]) }.joined(separator: ","))
    }
}
