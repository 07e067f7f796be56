/// A domain name as a list of labels, kept in the case it arrived in (answers echo the question's spelling)
/// but compared case-insensitively, as RFC 4343 and the Kubernetes DNS specification require.
public struct DNSName: Hashable, Sendable, CustomStringConvertible, ExpressibleByStringLiteral {
    public var labels: [String]

    public static let root = DNSName(labels: [])

    public init(labels: [String]) {
        self.labels = labels
    }

    /// Parses presentation form: "my-nginx.default.svc.cluster.local." (the trailing dot is optional;
    /// "" and "." are the root). Escaped dots inside labels are not supported: Kubernetes names never have them.
    public init(_ text: String) {
        labels = text.split(separator: ".", omittingEmptySubsequences: true).map(String.init)
    }

    public init(stringLiteral value: String) { self.init(value) }

    /// Fully qualified presentation form, with the trailing dot ("." for the root).
    public var description: String { labels.isEmpty ? "." : labels.joined(separator: ".") + "." }

    /// Lower-cased, dot-joined, without the trailing dot: the form used for lookups and compression.
    public var key: String { labels.joined(separator: ".").lowercased() }

    public var lowercasedLabels: [String] { labels.map { $0.lowercased() } }

    public static func == (a: DNSName, b: DNSName) -> Bool {
        a.labels.count == b.labels.count && a.key == b.key
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(key) }

    /// True when self is `zone` or lies below it.
    public func isSubdomain(of zone: DNSName) -> Bool {
        guard labels.count >= zone.labels.count else { return false }
        return DNSName(labels: Array(labels.suffix(zone.labels.count))) == zone
    }

    /// The labels in front of `zone` (lower-cased), or nil when self is not inside `zone`.
    public func relativeLabels(to zone: DNSName) -> [String]? {
        guard isSubdomain(of: zone) else { return nil }
        return Array(lowercasedLabels.prefix(labels.count - zone.labels.count))
    }

    /// `prefix` labels in front of self.
    public func prepending(_ prefix: [String]) -> DNSName { DNSName(labels: prefix + labels) }

    /// Length in wire form without compression (labels plus their length bytes plus the root byte).
    public var wireLength: Int { labels.reduce(1) { $0 + 1 + $1.utf8.count } }
}
