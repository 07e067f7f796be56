// The string formats Kubernetes validates (DNS names, qualified names, label values, config
// keys, port names and numbers, IPs), each returning Kubernetes' own messages; empty when valid.

extension Admission {
    enum Formats {
        static let dns1123LabelMax = 63
        static let dns1123SubdomainMax = 253
        static let dns1035LabelMax = 63
        static let qualifiedNameMax = 63
        static let labelValueMax = 63

        static let dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
        static let dns1123SubdomainFmt = dns1123LabelFmt + "(\\." + dns1123LabelFmt + ")*"
        static let dns1035LabelFmt = "[a-z]([-a-z0-9]*[a-z0-9])?"
        static let qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
        static let labelValueFmt = "(" + qualifiedNameFmt + ")?"
        static let configMapKeyFmt = "[-._a-zA-Z0-9]+"

        static func maxLenError(_ n: Int) -> String { "must be no more than \(n) characters" }
        static let emptyError = "must be non-empty"

        static func inclusiveRangeError(_ lo: Int64, _ hi: Int64) -> String { "must be between \(lo) and \(hi), inclusive" }

        /// The "(e.g. 'a',  or 'b', regex used for validation is '...')" tail; the doubled space
        /// before "or" is how Kubernetes joins its examples.
        static func regexError(_ msg: String, _ fmt: String, _ examples: String...) -> String {
            if examples.isEmpty { return msg + " (regex used for validation is '" + fmt + "')" }
            var s = msg + " (e.g. "
            for (i, e) in examples.enumerated() {
                if i > 0 { s += " or " }
                s += "'" + e + "', "
            }
            return s + "regex used for validation is '" + fmt + "')"
        }

        // MARK: character classes

        private static func isLowerAlnum(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
        private static func isAlnum(_ c: UInt8) -> Bool { isLowerAlnum(c) || (c >= 65 && c <= 90) }

        /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
        static func matchesDNS1123Label(_ s: Substring.UTF8View) -> Bool {
            guard let first = s.first, let last = s.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
            return s.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
        }

        static func matchesDNS1123Subdomain(_ s: String) -> Bool {
            let labels = s.split(separator: ".", omittingEmptySubsequences: false)
            return labels.allSatisfy { matchesDNS1123Label($0.utf8) }
        }

        static func matchesDNS1035Label(_ s: String) -> Bool {
            guard let first = s.utf8.first, first >= 97 && first <= 122 else { return false }
            return matchesDNS1123Label(Substring(s).utf8)
        }

        /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
        static func matchesQualifiedNamePart(_ s: Substring) -> Bool {
            let u = s.utf8
            guard let first = u.first, let last = u.last, isAlnum(first), isAlnum(last) else { return false }
            return u.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".") }
        }

        // MARK: validators

        static func dns1123Label(_ value: String) -> [String] {
            var errs: [String] = []
            if value.utf8.count > dns1123LabelMax { errs.append(maxLenError(dns1123LabelMax)) }
            if !matchesDNS1123Label(Substring(value).utf8) {
                errs.append(regexError("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character", dns1123LabelFmt, "my-name", "123-abc"))
            }
            return errs
        }

        static func dns1123Subdomain(_ value: String) -> [String] {
            var errs: [String] = []
            if value.utf8.count > dns1123SubdomainMax { errs.append(maxLenError(dns1123SubdomainMax)) }
            if !matchesDNS1123Subdomain(value) {
                errs.append(regexError("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character", dns1123SubdomainFmt, "example.com"))
            }
            return errs
        }

        static func dns1035Label(_ value: String) -> [String] {
            var errs: [String] = []
            if value.utf8.count > dns1035LabelMax { errs.append(maxLenError(dns1035LabelMax)) }
            if !matchesDNS1035Label(value) {
                errs.append(regexError("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character", dns1035LabelFmt, "my-name", "abc-123"))
            }
            return errs
        }

        private static let qualifiedNameErrMsg = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

        /// A label key, annotation key or finalizer: `[prefix/]name`.
        static func qualifiedName(_ value: String) -> [String] {
            var errs: [String] = []
            let parts = value.split(separator: "/", omittingEmptySubsequences: false)
            let name: Substring
            switch parts.count {
            case 1:
                name = parts[0]
            case 2:
                let prefix = String(parts[0])
                name = parts[1]
                if prefix.isEmpty {
                    errs.append("prefix part " + emptyError)
                } else {
                    errs += dns1123Subdomain(prefix).map { "prefix part " + $0 }
                }
            default:
                return [
                    "a qualified name " + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc")
                        + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                ]
            }
            if name.isEmpty {
                errs.append("name part " + emptyError)
            } else if name.utf8.count > qualifiedNameMax {
                errs.append("name part " + maxLenError(qualifiedNameMax))
            }
            if !matchesQualifiedNamePart(name) {
                errs.append("name part " + regexError(qualifiedNameErrMsg, qualifiedNameFmt, "MyName", "my.name", "123-abc"))
            }
            return errs
        }

        static func labelValue(_ value: String) -> [String] {
            var errs: [String] = []
            if value.utf8.count > labelValueMax { errs.append(maxLenError(labelValueMax)) }
            if !value.isEmpty && !matchesQualifiedNamePart(Substring(value)) {
                errs.append(regexError("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character", labelValueFmt, "MyValue", "my_value", "12345"))
            }
            return errs
        }

        /// Keys of Secret and ConfigMap data (they become file names in volumes).
        static func configMapKey(_ value: String) -> [String] {
            var errs: [String] = []
            if value.utf8.count > dns1123SubdomainMax { errs.append(maxLenError(dns1123SubdomainMax)) }
            let ok = !value.isEmpty && value.utf8.allSatisfy {
                isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
            }
            if !ok {
                errs.append(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", configMapKeyFmt, "key.name", "KEY_NAME", "key-name"))
            }
            if value == "." {
                errs.append("must not be '.'")
            } else if value == ".." {
                errs.append("must not be '..'")
            } else if value.hasPrefix("..") {
                errs.append("must not start with '..'")
            }
            return errs
        }

        static func portNumber(_ port: Int64) -> [String] {
            (1...65535).contains(port) ? [] : [inclusiveRangeError(1, 65535)]
        }

        /// IANA_SVC_NAME: at most 15 characters, lower-case letters, digits and single hyphens.
        static func portName(_ port: String) -> [String] {
            var errs: [String] = []
            let u = Array(port.utf8)
            if u.count > 15 { errs.append(maxLenError(15)) }
            if u.isEmpty || !u.allSatisfy({ isLowerAlnum($0) || $0 == UInt8(ascii: "-") }) {
                errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
            }
            if !u.contains(where: { $0 >= 97 && $0 <= 122 }) { errs.append("must contain at least one letter (a-z)") }
            if port.contains("--") { errs.append("must not contain consecutive hyphens") }
            if let f = u.first, let l = u.last, f == UInt8(ascii: "-") || l == UInt8(ascii: "-") {
                errs.append("must not begin or end with a hyphen")
            }
            return errs
        }

        /// Object-name rules; `prefix` is true for generateName, where a trailing '-' is allowed.
        enum NameRule: Sendable {
            case dns1123Subdomain, dns1123Label, dns1035Label
            /// Any name usable in a URL path (what the generic store checks for every kind).
            case pathSegment

            func check(_ name: String, prefix: Bool) -> [String] {
                let value = prefix ? Formats.maskTrailingDash(name) : name
                switch self {
                case .dns1123Subdomain: return Formats.dns1123Subdomain(value)
                case .dns1123Label: return Formats.dns1123Label(value)
                case .dns1035Label: return Formats.dns1035Label(value)
                case .pathSegment: return Formats.pathSegment(name, prefix: prefix)
                }
            }
        }

        static func pathSegment(_ name: String, prefix: Bool) -> [String] {
            if !prefix, name == "." || name == ".." { return ["may not be '\(name)'"] }
            return ["/", "%"].filter { name.contains($0) }.map { "may not contain '\($0)'" }
        }

        /// Kubernetes replaces a trailing "-" of a generateName prefix before checking it
        /// (dropping the character before it as well, as its code does).
        static func maskTrailingDash(_ name: String) -> String {
            guard name.utf8.count > 1, name.hasSuffix("-") else { return name }
            return String(name.dropLast(2)) + "a"
        }

        // MARK: IP addresses

        /// IPv4 dotted quad (Go's parser: no leading zeros beyond a single 0).
        static func parseIPv4(_ s: String) -> [UInt8]? {
            let parts = s.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count == 4 else { return nil }
            var out: [UInt8] = []
            for p in parts {
                guard !p.isEmpty, p.count <= 3, p.allSatisfy({ $0.isASCII && $0.isNumber }),
                      !(p.count > 1 && p.first == "0"), let v = Int(p), v <= 255 else { return nil }
                out.append(UInt8(v))
            }
            return out
        }

        /// A syntactic IPv6 check: hex groups, at most one "::", optional trailing dotted quad.
        static func isIPv6(_ s: String) -> Bool {
            guard s.contains(":") else { return false }
            var text = Substring(s)
            var groupsNeeded = 8
            if let lastColon = text.lastIndex(of: ":"), text[text.index(after: lastColon)...].contains(".") {
                guard parseIPv4(String(text[text.index(after: lastColon)...])) != nil else { return false }
                text = text[...lastColon]
                if text.hasSuffix(":") && !text.hasSuffix("::") { text = text.dropLast() }
                groupsNeeded = 6
            }
            let halves = splitDoubleColon(String(text))
            guard halves.count <= 2 else { return false }
            func groups(_ h: String) -> [Substring]? {
                if h.isEmpty { return [] }
                let g = h.split(separator: ":", omittingEmptySubsequences: false)
                return g.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy(\.isHexDigit) }) ? g : nil
            }
            guard let a = groups(halves[0]) else { return false }
            if halves.count == 2 {
                guard let b = groups(halves[1]) else { return false }
                return a.count + b.count < groupsNeeded
            }
            return a.count == groupsNeeded
        }

        /// Splits at each "::" (a valid address has at most one).
        private static func splitDoubleColon(_ s: String) -> [String] {
            var out: [String] = []
            var current = ""
            var chars = Array(s)[...]
            while let c = chars.first {
                if c == ":", chars.dropFirst().first == ":" {
                    out.append(current)
                    current = ""
                    chars = chars.dropFirst(2)
                } else {
                    current.append(c)
                    chars = chars.dropFirst()
                }
            }
            out.append(current)
            return out
        }

        static func isIP(_ s: String) -> Bool { parseIPv4(s) != nil || isIPv6(s) }

        static let invalidIPMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"
    }
}
