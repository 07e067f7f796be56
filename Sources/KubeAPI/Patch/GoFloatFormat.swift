/// Formats a Double the way Go's encoding/json does: the shortest digits that round-trip, in
/// plain decimal (`80`, `0.5`, `150000000000000000000`) unless the magnitude is below 1e-6 or at
/// least 1e21, where it switches to exponent form (`1e+21`, `1e-7`: Go trims `e-07` to `e-7`).
/// Integral doubles print without `.0`, which is how `80.0` sent by YAML clients comes back.
enum GoFloatFormat {
    static func append(_ value: Double, to out: inout [UInt8]) {
        guard value.isFinite else {
            // Go refuses to encode these at all; `null` keeps the output valid JSON.
            out.append(contentsOf: "null".utf8)
            return
        }
        if value.sign == .minus { out.append(UInt8(ascii: "-")) }
        if value == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        let (digits, pointPosition) = shortestDigits(value.magnitude)
        let magnitude = value.magnitude
        if magnitude < 1e-6 || magnitude >= 1e21 {
            appendExponentForm(digits, pointPosition, to: &out)
        } else {
            appendDecimalForm(digits, pointPosition, to: &out)
        }
    }

    /// The shortest round-trip digits (no leading or trailing zeros) and the position of the
    /// decimal point relative to them: value = 0.d1d2d3… × 10^pointPosition. Swift's
    /// `description` already computes the shortest digits; only its layout differs from Go's.
    static func shortestDigits(_ positive: Double) -> (digits: [UInt8], pointPosition: Int) {
        var digits: [UInt8] = []
        var pointPosition = 0
        var seenPoint = false
        var exponent = 0
        var exponentSign = 1
        var inExponent = false
        for c in positive.description.utf8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                if inExponent {
                    exponent = exponent * 10 + Int(c - UInt8(ascii: "0"))
                } else {
                    digits.append(c)
                    if !seenPoint { pointPosition += 1 }
                }
            case UInt8(ascii: "."): seenPoint = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"): inExponent = true
            case UInt8(ascii: "-"): if inExponent { exponentSign = -1 }
            default: break
            }
        }
        pointPosition += exponentSign * exponent
        // Normalise: drop leading zeros (each moves the point left) and trailing zeros.
        var leading = 0
        while leading < digits.count - 1, digits[leading] == UInt8(ascii: "0") { leading += 1 }
        digits.removeFirst(leading)
        pointPosition -= leading
        while digits.count > 1, digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, pointPosition)
    }

    private static func appendDecimalForm(_ digits: [UInt8], _ pointPosition: Int, to out: inout [UInt8]) {
        if pointPosition <= 0 {
            out.append(UInt8(ascii: "0"))
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -pointPosition))
            out.append(contentsOf: digits)
        } else if pointPosition >= digits.count {
            out.append(contentsOf: digits)
            out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: pointPosition - digits.count))
        } else {
            out.append(contentsOf: digits[..<pointPosition])
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[pointPosition...])
        }
    }

    private static func appendExponentForm(_ digits: [UInt8], _ pointPosition: Int, to out: inout [UInt8]) {
        out.append(digits[0])
        if digits.count > 1 {
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: digits[1...])
        }
        out.append(UInt8(ascii: "e"))
        let exponent = pointPosition - 1
        if exponent < 0 {
            // Go pads to two digits ("e-07") and encoding/json then trims the pad ("e-7").
            out.append(UInt8(ascii: "-"))
            out.append(contentsOf: String(-exponent).utf8)
        } else {
            out.append(UInt8(ascii: "+"))
            if exponent < 10 { out.append(UInt8(ascii: "0")) }
            out.append(contentsOf: String(exponent).utf8)
        }
    }
}
