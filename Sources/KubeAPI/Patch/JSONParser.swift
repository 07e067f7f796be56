/// A recursive-descent JSON parser over raw UTF-8 bytes. Every request body and every stored
/// object passes through it, so it works on an unsafe buffer, builds strings straight from the
/// byte ranges and only takes a slow path for escapes and non-trivial floats.
///
/// Errors are raised exactly where Go's scanner would raise them, with its wording, so the first
/// problem in the input is the one reported.
struct JSONByteParser: ~Copyable {
    /// Deeper input fails (with Go's "exceeded max depth" wording) instead of exhausting the
    /// stack. Go allows 10000, but every later step here (merging, serializing, even freeing
    /// the value) recurses too, and request handlers may run on small-stack threads; no
    /// Kubernetes object comes near 1000 levels.
    static let maxDepth = 1_000

    private let bytes: UnsafeBufferPointer<UInt8>
    private var pos = 0
    private var depth = 0
    /// Where escaped strings are unescaped; kept to reuse its capacity.
    private var scratch: [UInt8] = []
    /// Members of the objects being parsed, innermost last (see `parseObject`).
    private var memberStack: [(String, JSON)] = []

    /// Set only when the caller wants duplicate keys reported: tracking paths costs a little.
    private let trackDuplicates: Bool
    private var path: [PathComponent] = []
    private(set) var duplicates: [String] = []
    /// Set only when the caller wants every key's path in document order (to order strict-decoding problems).
    private let recordKeyOrder: Bool
    private(set) var keyOrder: [String] = []

    private enum PathComponent {
        case key(String)
        case index(Int)
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>, trackDuplicates: Bool, recordKeyOrder: Bool = false) {
        self.bytes = bytes
        self.trackDuplicates = trackDuplicates || recordKeyOrder
        self.recordKeyOrder = recordKeyOrder
    }

    /// Parses one complete document: a value surrounded only by whitespace.
    mutating func parseDocument() throws(JSONParseError) -> JSON {
        let value = try parseValue()
        skipWhitespace()
        if pos < bytes.count {
            throw .invalidCharacter(bytes[pos], "after top-level value", at: pos)
        }
        return value
    }

    // MARK: - Values

    private mutating func parseValue() throws(JSONParseError) -> JSON {
        skipWhitespace()
        guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        case let c: throw .invalidCharacter(c, "looking for beginning of value", at: pos)
        }
    }

    private mutating func enterContainer() throws(JSONParseError) {
        depth += 1
        if depth > Self.maxDepth {
            throw .invalidCharacter(bytes[pos], "exceeded max depth", at: pos)
        }
        pos += 1
    }

    private mutating func parseObject() throws(JSONParseError) -> JSON {
        try enterContainer()
        defer { depth -= 1 }
        skipWhitespace()
        guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
        if bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object([:])
        }
        // Members are collected on a stack shared by all nesting levels, so the dictionary is
        // built once at its final size instead of growing (and rehashing) member by member.
        let base = memberStack.count
        while true {
            // At the start of a key (after `{` or `,`, whitespace skipped).
            guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
            guard bytes[pos] == UInt8(ascii: "\"") else {
                throw .invalidCharacter(bytes[pos], "looking for beginning of object key string", at: pos)
            }
            let key = try parseString()
            skipWhitespace()
            guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
            guard bytes[pos] == UInt8(ascii: ":") else {
                throw .invalidCharacter(bytes[pos], "after object key", at: pos)
            }
            pos += 1
            if trackDuplicates {
                path.append(.key(key))
                if recordKeyOrder { keyOrder.append(renderPath()) }
                memberStack.append((key, try parseValue()))
                path.removeLast()
            } else {
                memberStack.append((key, try parseValue()))
            }
            skipWhitespace()
            guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
            switch bytes[pos] {
            case UInt8(ascii: ","):
                pos += 1
                skipWhitespace()
            case UInt8(ascii: "}"):
                pos += 1
                return .object(popMembers(from: base))
            case let c:
                throw .invalidCharacter(c, "after object key:value pair", at: pos)
            }
        }
    }

    private mutating func popMembers(from base: Int) -> [String: JSON] {
        var members = [String: JSON](minimumCapacity: memberStack.count - base)
        for i in base..<memberStack.count {
            let (key, value) = memberStack[i]
            if members.updateValue(value, forKey: key) != nil && trackDuplicates {
                path.append(.key(key))
                let duplicate = renderPath()
                path.removeLast()
                if !duplicates.contains(duplicate) { duplicates.append(duplicate) }
            }
        }
        memberStack.removeSubrange(base...)
        return members
    }

    private mutating func parseArray() throws(JSONParseError) -> JSON {
        try enterContainer()
        defer { depth -= 1 }
        var elements: [JSON] = []
        skipWhitespace()
        guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
        if bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array(elements)
        }
        while true {
            if trackDuplicates {
                path.append(.index(elements.count))
                elements.append(try parseValue())
                path.removeLast()
            } else {
                elements.append(try parseValue())
            }
            skipWhitespace()
            guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
            switch bytes[pos] {
            case UInt8(ascii: ","): pos += 1
            case UInt8(ascii: "]"):
                pos += 1
                return .array(elements)
            case let c: throw .invalidCharacter(c, "after array element", at: pos)
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        // The first byte already matched; Go names the literal and the byte it wanted next.
        for i in 1..<expected.count {
            let at = pos + i
            guard at < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
            if bytes[at] != expected[i] {
                let want = Character(Unicode.Scalar(expected[i]))
                throw .invalidCharacter(bytes[at], "in literal \(literal) (expecting '\(want)')", at: at)
            }
        }
        pos += expected.count
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos += 1
            default: return
            }
        }
    }

    private func renderPath() -> String {
        var out = ""
        for component in path {
            switch component {
            case .key(let k):
                if !out.isEmpty { out += "." }
                out += k
            case .index(let i):
                out += "[\(i)]"
            }
        }
        return out
    }

    // MARK: - Numbers

    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always)
    private func isDigit(_ c: UInt8) -> Bool { c &- UInt8(ascii: "0") < 10 }

    /// Integers (no fraction, no exponent) that fit Int64 become `.int`, as the apiserver's
    /// unstructured decoder does; everything else becomes `.double`.
    private mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = pos
        let negative = bytes[pos] == UInt8(ascii: "-")
        if negative {
            pos += 1
            guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
            guard isDigit(bytes[pos]) else { throw .invalidCharacter(bytes[pos], "in numeric literal", at: pos) }
        }
        // Up to 19 significant digits always fit a UInt64; with more, the number is no Int64
        // and the float goes to the exact (slow) conversion.
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var overflowed = false
        var fractionDigits = 0
        @inline(__always) func accumulate(_ c: UInt8) -> Bool {
            guard significantDigits < 19 else { overflowed = true; return false }
            mantissa = mantissa &* 10 &+ UInt64(c &- UInt8(ascii: "0"))
            if mantissa != 0 { significantDigits += 1 }
            return true
        }

        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while pos < bytes.count, isDigit(bytes[pos]) {
                _ = accumulate(bytes[pos])
                pos += 1
            }
        }
        var isInteger = true
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
            guard isDigit(bytes[pos]) else {
                throw .invalidCharacter(bytes[pos], "after decimal point in numeric literal", at: pos)
            }
            while pos < bytes.count, isDigit(bytes[pos]) {
                if accumulate(bytes[pos]) { fractionDigits += 1 }
                pos += 1
            }
        }
        var exponent = 0
        if pos < bytes.count, bytes[pos] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            pos += 1
            guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
            var exponentNegative = false
            if bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") {
                exponentNegative = bytes[pos] == UInt8(ascii: "-")
                pos += 1
                guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
            }
            guard isDigit(bytes[pos]) else {
                throw .invalidCharacter(bytes[pos], "in exponent of numeric literal", at: pos)
            }
            while pos < bytes.count, isDigit(bytes[pos]) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(bytes[pos] &- UInt8(ascii: "0")) }
                pos += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        if isInteger && !overflowed {
            if !negative, mantissa <= UInt64(Int64.max) { return .int(Int64(mantissa)) }
            if negative, mantissa <= UInt64(Int64.max) { return .int(-Int64(mantissa)) }
            if negative, mantissa == UInt64(Int64.max) + 1 { return .int(Int64.min) }
        }

        // Clinger's fast path: both the mantissa and the power of ten are exact doubles, so one
        // correctly rounded multiplication or division gives the correctly rounded result.
        let scale = exponent - fractionDigits
        if !overflowed && mantissa < (1 << 53) && scale >= -22 && scale <= 22 {
            var value = Double(mantissa)
            if scale >= 0 { value *= Self.exactPowersOfTen[scale] } else { value /= Self.exactPowersOfTen[-scale] }
            return .double(negative ? -value : value)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            // Go's strconv rejects out-of-range floats, and the decoder names the number.
            throw JSONParseError(
                message: "json: cannot unmarshal number \(text) into Go value of type float64", offset: pos)
        }
        return .double(value)
    }

    // MARK: - Strings

    /// Parses a string starting at its opening quote. Plain strings (the vast majority) are
    /// decoded straight from the input; ill-formed UTF-8 becomes U+FFFD as in Go.
    private mutating func parseString() throws(JSONParseError) -> String {
        pos += 1
        let start = pos
        while pos < bytes.count {
            let c = bytes[pos]
            if c == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if c == UInt8(ascii: "\\") { return try parseEscapedString(from: start) }
            if c < 0x20 { throw .invalidCharacter(c, "in string literal", at: pos) }
            pos += 1
        }
        throw .unexpectedEnd(at: bytes.count)
    }

    private mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while pos < bytes.count {
            let c = bytes[pos]
            switch c {
            case UInt8(ascii: "\""):
                pos += 1
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                pos += 1
                guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(e)
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"): try appendUnicodeEscape()
                default: throw .invalidCharacter(e, "in string escape code", at: pos - 1)
                }
            case 0..<0x20:
                throw .invalidCharacter(c, "in string literal", at: pos)
            default:
                scratch.append(c)
                pos += 1
            }
        }
        throw .unexpectedEnd(at: bytes.count)
    }

    /// Reads the four hex digits after `\u` (pos is on the first one), pairing surrogates; a
    /// lone surrogate decodes to U+FFFD as in Go.
    private mutating func appendUnicodeEscape() throws(JSONParseError) {
        var scalar = try readHex4()
        if (0xD800..<0xDC00).contains(scalar) {
            // Only a directly following `\uDC00`-`\uDFFF` completes the pair; anything else is
            // left for the main loop to read.
            if pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                let save = pos
                pos += 2
                let low = try readHex4()
                if (0xDC00..<0xE000).contains(low) {
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else {
                    pos = save
                    scalar = 0xFFFD
                }
            } else {
                scalar = 0xFFFD
            }
        } else if (0xDC00..<0xE000).contains(scalar) {
            scalar = 0xFFFD
        }
        appendUTF8(scalar)
    }

    private mutating func readHex4() throws(JSONParseError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard pos < bytes.count else { throw .unexpectedEnd(at: bytes.count) }
            let c = bytes[pos]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw .invalidCharacter(c, #"in \u hexadecimal character escape"#, at: pos)
            }
            value = value << 4 | UInt32(digit)
            pos += 1
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }
}
