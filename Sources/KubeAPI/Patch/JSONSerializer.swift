/// Writes `JSON` byte-for-byte as Go's encoding/json does (the apiserver's response encoder), so
/// clients, last-applied annotations and anything that compares bytes see what a real apiserver
/// would produce.
enum JSONSerializer {
    static func write(_ value: JSON, into out: inout [UInt8], sortedKeys: Bool) {
        switch value {
        case .null: appendLiteral("null", to: &out)
        case .bool(let b): appendLiteral(b ? "true" : "false", to: &out)
        case .int(let i): appendInteger(i, to: &out)
        case .double(let d): GoFloatFormat.append(d, to: &out)
        case .string(let s): appendString(s, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                write(element, into: &out, sortedKeys: sortedKeys)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            if sortedKeys && members.count > 1 {
                // Go writes map keys sorted by their bytes.
                let sorted = members.sorted { utf8Less($0.key, $1.key) }
                writeMembers(sorted, into: &out, sortedKeys: sortedKeys)
            } else {
                writeMembers(members, into: &out, sortedKeys: sortedKeys)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    @inline(__always)
    private static func writeMembers<S: Sequence<(key: String, value: JSON)>>(
        _ members: S, into out: inout [UInt8], sortedKeys: Bool
    ) {
        var first = true
        for (key, value) in members {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            write(value, into: &out, sortedKeys: sortedKeys)
        }
    }

    /// Byte-wise (UTF-8) ordering, the order Go's `sort.Strings` gives map keys. (Swift's `<` on
    /// String uses Unicode canonical ordering, which differs for non-NFC keys.)
    static func utf8Less(_ a: String, _ b: String) -> Bool {
        // Native strings expose their bytes directly; compare those without decoding anything.
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                let n = min(x.count, y.count)
                var i = 0
                while i < n {
                    if x[i] != y[i] { return x[i] < y[i] }
                    i += 1
                }
                return x.count < y.count
            }
        }
        if let fast, let result = fast { return result }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    @inline(__always)
    private static func appendLiteral(_ literal: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    static func appendInteger(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = out.count
        repeat {
            out.append(UInt8(ascii: "0") &+ UInt8(magnitude % 10))
            magnitude /= 10
        } while magnitude != 0
        out[start...].reverse()
    }

    /// Which ASCII bytes Go escapes with `escapeHTML` on, as two 64-bit masks (no table to
    /// load): controls, `"` (0x22), `&` (0x26), `<` (0x3C), `>` (0x3E) and `\\` (0x5C).
    private static let escapeMaskLow: UInt64 = 0xFFFF_FFFF | 1 << 0x22 | 1 << 0x26 | 1 << 0x3C | 1 << 0x3E
    private static let escapeMaskHigh: UInt64 = 1 << (0x5C - 64)

    @inline(__always)
    private static func asciiNeedsEscape(_ b: UInt8) -> Bool {
        b < 64 ? (escapeMaskLow >> b) & 1 != 0 : (escapeMaskHigh >> (b - 64)) & 1 != 0
    }

    @inline(__always)
    private static func hexDigit(_ nibble: UInt16) -> UInt8 {
        let n = UInt8(nibble & 0xF)
        return n < 10 ? UInt8(ascii: "0") + n : UInt8(ascii: "a") - 10 + n
    }

    static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            // Copy runs of bytes that need no escaping in one go.
            var runStart = 0
            var i = 0
            while i < bytes.count {
                let b = bytes[i]
                if b < 0x80 {
                    if !asciiNeedsEscape(b) {
                        i += 1
                        continue
                    }
                } else if b == 0xE2, i + 2 < bytes.count, bytes[i + 1] == 0x80, bytes[i + 2] & 0xFE == 0xA8 {
                    // U+2028 and U+2029 end lines in JavaScript; Go escapes them.
                    out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                    appendUnicodeEscape(bytes[i + 2] == 0xA8 ? 0x2028 : 0x2029, to: &out)
                    i += 3
                    runStart = i
                    continue
                } else {
                    i += 1
                    continue
                }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<i]))
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
                case 0x08: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "f"))
                case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
                default: appendUnicodeEscape(UInt16(b), to: &out)
                }
                i += 1
                runStart = i
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendUnicodeEscape(_ code: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        out.append(UInt8(ascii: "u"))
        out.append(hexDigit(code >> 12))
        out.append(hexDigit(code >> 8))
        out.append(hexDigit(code >> 4))
        out.append(hexDigit(code))
    }
}
