// Parsers for the three textual formats the API server's decoder checks (base64 for []byte,
// resource quantities, RFC 3339 times), reporting failures in the words Go uses.

extension Admission {
    /// Go's `base64.StdEncoding.Decode`: padded standard alphabet, CR and LF ignored; an error
    /// carries the offset Go reports in `illegal base64 data at input byte N`.
    enum GoBase64 {
        enum Result: Equatable {
            case success([UInt8])
            case failure(Int)
        }

        private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        private static let decodeMap: [UInt8: UInt8] = {
            var m: [UInt8: UInt8] = [:]
            for (i, c) in alphabet.enumerated() { m[c] = UInt8(i) }
            return m
        }()

        static func decode(_ text: String) -> Result {
            let src = Array(text.utf8)
            var out: [UInt8] = []
            var si = 0
            while true {
                var quantum: [UInt8] = []
                var j = 0
                var finished = false
                while j < 4 {
                    if si == src.count {
                        if j == 0 { return .success(out) }
                        // Padding is mandatory: a short final group is an error at its start.
                        return .failure(si - j)
                    }
                    let c = src[si]
                    si += 1
                    if let v = decodeMap[c] {
                        quantum.append(v)
                        j += 1
                        continue
                    }
                    if c == 0x0A || c == 0x0D { continue }
                    if c != UInt8(ascii: "=") { return .failure(si - 1) }
                    // Padding: only after two or three data characters.
                    switch j {
                    case 0, 1: return .failure(si - 1)
                    case 2:
                        while si < src.count, src[si] == 0x0A || src[si] == 0x0D { si += 1 }
                        if si == src.count { return .failure(src.count) }
                        if src[si] != UInt8(ascii: "=") { return .failure(si - 1) }
                        si += 1
                    default: break
                    }
                    while si < src.count, src[si] == 0x0A || src[si] == 0x0D { si += 1 }
                    if si < src.count { return .failure(si) }  // trailing garbage after padding
                    finished = true
                    break
                }
                let bits = quantum.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (18 - 6 * UInt32($1.offset)) }
                let bytes = [UInt8(bits >> 16 & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits & 0xFF)]
                out.append(contentsOf: bytes.prefix(quantum.count - 1))
                if finished { return .success(out) }
            }
        }

        static func encode(_ bytes: [UInt8]) -> String {
            var out: [UInt8] = []
            var i = 0
            while i < bytes.count {
                let n = min(3, bytes.count - i)
                var bits: UInt32 = 0
                for k in 0..<n { bits |= UInt32(bytes[i + k]) << (16 - 8 * UInt32(k)) }
                for k in 0..<4 {
                    if k <= n { out.append(alphabet[Int(bits >> (18 - 6 * UInt32(k)) & 0x3F)]) } else { out.append(UInt8(ascii: "=")) }
                }
                i += 3
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}

extension Admission {
    /// apimachinery's `resource.ParseQuantity`, for its error texts and for comparing values.
    enum GoQuantity {
        static let formatWrong = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
        static let numericWrong = "unable to parse numeric part of quantity"
        static let suffixWrong = "unable to parse quantity's suffix"

        static func trimSpace(_ s: String) -> String {
            let ws: Set<Character> = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}"]
            var sub = Substring(s)
            while let f = sub.first, ws.contains(f) { sub = sub.dropFirst() }
            while let l = sub.last, ws.contains(l) { sub = sub.dropLast() }
            return String(sub)
        }

        /// nil when `text` parses as a quantity, else the error Kubernetes reports.
        static func parseError(_ text: String) -> String? {
            switch parse(text) {
            case .success: return nil
            case .failure(let message): return message
            }
        }

        enum Parsed {
            case success(Double)
            case failure(String)
        }

        private static let binarySuffixes: [String: Double] = [
            "Ki": 1024, "Mi": 1_048_576, "Gi": 1_073_741_824, "Ti": 1_099_511_627_776,
            "Pi": 1_125_899_906_842_624, "Ei": 1_152_921_504_606_846_976,
        ]
        private static let decimalSuffixes: [String: Double] = [
            "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
        ]

        /// The quantity's value as a Double (good enough to compare requests with limits).
        static func parse(_ str: String) -> Parsed {
            let s = Array(str.utf8)
            if s.isEmpty { return .failure(formatWrong) }
            func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
            var pos = 0
            if s[0] == UInt8(ascii: "-") || s[0] == UInt8(ascii: "+") { pos = 1 }
            // Number: digits, optionally a fraction.
            let numberStart = pos
            while pos < s.count, isDigit(s[pos]) { pos += 1 }
            if pos < s.count, s[pos] == UInt8(ascii: ".") {
                pos += 1
                while pos < s.count, isDigit(s[pos]) { pos += 1 }
            }
            let numberText = String(decoding: s[0..<pos], as: UTF8.self)
            let digits = s[numberStart..<pos].filter(isDigit)
            // Suffix: letters from the suffix alphabet, then an optional signed exponent.
            let suffixStart = pos
            let suffixLetters = Set("eEinumkKMGTP".utf8)
            while pos < s.count, suffixLetters.contains(s[pos]) { pos += 1 }
            if pos < s.count, s[pos] == UInt8(ascii: "-") || s[pos] == UInt8(ascii: "+") { pos += 1 }
            while pos < s.count, isDigit(s[pos]) { pos += 1 }
            if pos < s.count { return .failure(formatWrong) }
            let suffix = String(decoding: s[suffixStart...], as: UTF8.self)
            var multiplier: Double
            if let m = binarySuffixes[suffix] {
                multiplier = m
            } else if let m = decimalSuffixes[suffix] {
                multiplier = m
            } else if suffix.count > 1, suffix.first == "e" || suffix.first == "E", let exp = Int(suffix.dropFirst()) {
                multiplier = pow10(exp)
            } else {
                return .failure(suffixWrong)
            }
            guard !digits.isEmpty, let value = Double(numberText.hasSuffix(".") ? numberText + "0" : numberText) else {
                return .failure(numericWrong)
            }
            multiplier = value * multiplier
            return .success(multiplier)
        }

        private static func pow10(_ e: Int) -> Double {
            var r = 1.0
            for _ in 0..<abs(e) { r *= 10 }
            return e < 0 ? 1 / r : r
        }
    }
}

extension Admission {
    /// Go's `time.Parse` for the two layouts metav1 uses (RFC 3339, and RFC 3339 with
    /// microseconds for MicroTime), returning the `parsing time ...` error text on failure.
    enum GoTime {
        static let layout = "2006-01-02T15:04:05Z07:00"
        static let microLayout = "2006-01-02T15:04:05.000000Z07:00"

        private enum Element {
            case literal(String)
            case number(layout: String, digits: Int, fixed: Bool, range: ClosedRange<Int>, name: String)
            case micro
            case zone
        }

        static func parseError(_ value: String, micro: Bool) -> String? {
            let layoutText = micro ? microLayout : layout
            var elements: [Element] = [
                .number(layout: "2006", digits: 4, fixed: true, range: 0...9999, name: "year"), .literal("-"),
                .number(layout: "01", digits: 2, fixed: true, range: 1...12, name: "month"), .literal("-"),
                .number(layout: "02", digits: 2, fixed: true, range: 1...31, name: "day"), .literal("T"),
                .number(layout: "15", digits: 2, fixed: false, range: 0...23, name: "hour"), .literal(":"),
                .number(layout: "04", digits: 2, fixed: true, range: 0...59, name: "minute"), .literal(":"),
                .number(layout: "05", digits: 2, fixed: true, range: 0...59, name: "second"),
            ]
            if micro { elements.append(.micro) }
            elements.append(.zone)

            func quote(_ s: String) -> String { "\"" + s + "\"" }
            func cannot(_ rest: Substring, _ element: String) -> String {
                "parsing time \(quote(value)) as \(quote(layoutText)): cannot parse \(quote(String(rest))) as \(quote(element))"
            }
            func outOfRange(_ name: String) -> String { "parsing time \(quote(value)): \(name) out of range" }

            var rest = Substring(value)
            var fields: [String: Int] = [:]
            for (index, element) in elements.enumerated() {
                switch element {
                case .literal(let text):
                    guard rest.hasPrefix(text) else {
                        // Go names the literal plus the element after it, e.g. "-01" ... keep it to the literal run.
                        return cannot(rest, literalRun(elements, from: index))
                    }
                    rest = rest.dropFirst(text.count)
                case .number(let layoutName, let digits, let fixed, let range, let name):
                    let hold = rest
                    var taken = 0
                    while taken < digits, let c = rest.dropFirst(taken).first, c.isASCII, c.isNumber { taken += 1 }
                    if taken == 0 || (fixed && taken < digits) { return cannot(hold, layoutName) }
                    let n = Int(rest.prefix(taken))!
                    rest = rest.dropFirst(taken)
                    if name != "day", !range.contains(n) { return outOfRange(name) }
                    fields[name] = n
                    // Seconds may carry a fraction even when the layout has none.
                    if name == "second", !micro, rest.first == ".", let d = rest.dropFirst().first, d.isASCII, d.isNumber {
                        rest = rest.dropFirst()
                        while let c = rest.first, c.isASCII, c.isNumber { rest = rest.dropFirst() }
                    }
                case .micro:
                    let digits = rest.dropFirst().prefix(6)
                    guard rest.first == "." || rest.first == ",", digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                        return cannot(rest, ".000000")
                    }
                    rest = rest.dropFirst(7)
                case .zone:
                    if rest.first == "Z" {
                        rest = rest.dropFirst()
                    } else {
                        let z = Array(rest.prefix(6))
                        guard z.count == 6, z[0] == "+" || z[0] == "-", z[3] == ":",
                              [z[1], z[2], z[4], z[5]].allSatisfy({ $0.isASCII && $0.isNumber }) else {
                            return cannot(rest, "Z07:00")
                        }
                        rest = rest.dropFirst(6)
                    }
                }
            }
            if !rest.isEmpty { return "parsing time \(quote(value)): extra text: \(quote(String(rest)))" }
            let year = fields["year"] ?? 0, month = fields["month"] ?? 1, day = fields["day"] ?? 1
            if day < 1 || day > daysIn(month: month, year: year) { return outOfRange("day") }
            return nil
        }

        /// Go reports a literal mismatch against the literal text between two layout elements.
        private static func literalRun(_ elements: [Element], from index: Int) -> String {
            if case .literal(let t) = elements[index] { return t }
            return ""
        }

        private static func daysIn(month: Int, year: Int) -> Int {
            switch month {
            case 2: return (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? 29 : 28
            case 4, 6, 9, 11: return 30
            default: return 31
            }
        }
    }
}
