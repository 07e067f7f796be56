import Foundation

/// A `resource.Quantity` as the scheduler, the runtime and the agent read it: `100m`, `1.5`, `128Mi`, `1G`, `1e3`.
/// Values are kept as exact decimals so `0.1` cpu is 100 millicores, not 100.000000001. (Admission's Go-compatible
/// parser, with Kubernetes' error messages, is `Admission.GoQuantity`.)
public enum ResourceQuantity {
    private static let binarySuffixes: [String: Decimal] = [
        "Ki": pow(1024, 1), "Mi": pow(1024, 2), "Gi": pow(1024, 3),
        "Ti": pow(1024, 4), "Pi": pow(1024, 5), "Ei": pow(1024, 6),
    ]
    private static let decimalSuffixes: [String: Int] = [
        "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
    ]

    /// The value of a quantity string, or nil when it is not one.
    public static func parse(_ text: String) -> Decimal? {
        var rest = Substring(text)
        var negative = false
        if let first = rest.first, first == "+" || first == "-" {
            negative = first == "-"
            rest = rest.dropFirst()
        }
        let numberEnd = rest.firstIndex { !($0.isASCII && ($0.isNumber || $0 == ".")) } ?? rest.endIndex
        let number = rest[rest.startIndex..<numberEnd]
        let suffix = String(rest[numberEnd...])
        guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1 else { return nil }
        // Digit by digit rather than `Decimal(string:locale:)`: a Locale, even en_US_POSIX, loads ICU's locale data
        // (megabytes of resident pages) the first time a quantity is parsed (Docs/benchmarks.md, P3).
        var value = Decimal(0)
        var fractionDigits = 0
        var seenPoint = false
        for c in number.utf8 {
            if c == UInt8(ascii: ".") { seenPoint = true; continue }
            value = value * 10 + Decimal(Int(c - UInt8(ascii: "0")))
            if seenPoint { fractionDigits += 1 }
        }
        value *= pow10(-fractionDigits)
        if let m = binarySuffixes[suffix] {
            value *= m
        } else if let e = decimalSuffixes[suffix] {
            value *= pow10(e)
        } else if let first = suffix.first, first == "e" || first == "E", let e = Int(suffix.dropFirst()),
                  !suffix.dropFirst().isEmpty {
            value *= pow10(e)
        } else {
            return nil
        }
        return negative ? -value : value
    }

    /// The quantity in thousandths, rounded up, as `Quantity.MilliValue()` gives it (cpu is counted in millicores).
    public static func milliValue(_ json: JSON) -> Int64? {
        guard let v = decimal(json) else { return nil }
        return roundedUp(v * 1000)
    }

    /// The quantity in whole units, rounded up, as `Quantity.Value()` gives it (memory in bytes, pods).
    public static func value(_ json: JSON) -> Int64? {
        guard let v = decimal(json) else { return nil }
        return roundedUp(v)
    }

    public static func value(_ text: String?) -> Int64? { text.flatMap(parse).map(roundedUp) }
    public static func milliValue(_ text: String?) -> Int64? { text.flatMap(parse).map { roundedUp($0 * 1000) } }

    /// A JSON quantity: normally a string, but YAML and some clients send a bare number.
    public static func decimal(_ json: JSON) -> Decimal? {
        switch json {
        case .string(let s): return parse(s)
        case .int(let i): return Decimal(i)
        case .double(let d): return Decimal(d)
        default: return nil
        }
    }

    private static func pow10(_ e: Int) -> Decimal {
        e >= 0 ? pow(Decimal(10), e) : 1 / pow(Decimal(10), -e)
    }

    public static func roundedUp(_ v: Decimal) -> Int64 {
        var input = v
        var out = Decimal()
        NSDecimalRound(&out, &input, 0, .up)
        if out > Decimal(Int64.max) { return Int64.max }
        if out < Decimal(Int64.min) { return Int64.min }
        return (out as NSDecimalNumber).int64Value
    }
}
