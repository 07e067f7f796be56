import Foundation

/// Kubernetes resource quantities ("100m", "0.5", "128Mi", "1G", "1e3").
public enum ResourceQuantity {
    private static let suffixes: [(String, Decimal)] = [
        ("Ki", 1024), ("Mi", 1_048_576), ("Gi", 1_073_741_824), ("Ti", 1_099_511_627_776),
        ("Pi", 1_125_899_906_842_624), ("Ei", 1_152_921_504_606_846_976),
        ("n", Decimal(string: "0.000000001")!), ("u", Decimal(string: "0.000001")!), ("m", Decimal(string: "0.001")!),
        ("k", 1000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
        ("P", 1_000_000_000_000_000), ("E", 1_000_000_000_000_000_000),
    ]

    /// The quantity's value in base units, nil if it is not a quantity.
    public static func parse(_ text: String) -> Decimal? {
        let s = text.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty else { return nil }
        for (suffix, factor) in suffixes where s.hasSuffix(suffix) {
            let number = String(s.dropLast(suffix.count))
            guard let v = decimal(number) else { return nil }
            return v * factor
        }
        return decimal(s)
    }

    private static func decimal(_ s: String) -> Decimal? {
        guard !s.isEmpty, s.allSatisfy({ "0123456789.+-eE".contains($0) }) else { return nil }
        return Decimal(string: s)
    }

    /// Rounded up, as Kubernetes' Value()/MilliValue() do.
    public static func ceil(_ v: Decimal) -> Int64 {
        var input = v
        var out = Decimal()
        NSDecimalRound(&out, &input, 0, .up)
        return NSDecimalNumber(decimal: out).int64Value
    }

    public static func value(_ text: String?) -> Int64? { text.flatMap(parse).map(ceil) }
    public static func milliValue(_ text: String?) -> Int64? { text.flatMap(parse).map { ceil($0 * 1000) } }
}
