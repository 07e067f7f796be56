/// The syntax rules for label keys and values (Kubernetes' util/validation IsQualifiedName,
/// IsValidLabelValue, IsDNS1123Subdomain), returning Kubernetes' own wording so selector errors
/// read exactly as the real API server's.
public enum LabelSyntax {
    static let qualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let qualifiedNameRegex = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    static let labelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"
    static let labelValueRegex = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
    static let subdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character"
    static let subdomainRegex = "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"

    /// Problems with a label key (`[prefix/]name`); empty when the key is valid.
    public static func labelKeyErrors(_ key: String) -> [String] {
        var errors: [String] = []
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        let name: Substring
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part must be non-empty")
            } else {
                errors += subdomainErrors(String(prefix)).map { "prefix part " + $0 }
            }
        default:
            return ["a qualified name "
                + regexError(qualifiedNameMessage, qualifiedNameRegex, examples: ["MyName", "my.name", "123-abc"])
                + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"]
        }
        if name.isEmpty {
            errors.append("name part must be non-empty")
        } else if name.utf8.count > 63 {
            errors.append("name part must be no more than 63 characters")
        }
        if !isQualifiedNamePart(name) {
            errors.append("name part "
                + regexError(qualifiedNameMessage, qualifiedNameRegex, examples: ["MyName", "my.name", "123-abc"]))
        }
        return errors
    }

    /// Problems with a label value; empty when the value is valid (the empty string is valid).
    public static func labelValueErrors(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > 63 {
            errors.append("must be no more than 63 characters")
        }
        if !value.isEmpty && !isQualifiedNamePart(Substring(value)) {
            errors.append(regexError(labelValueMessage, labelValueRegex, examples: ["MyValue", "my_value", "12345"]))
        }
        return errors
    }

    /// Problems with a DNS (RFC 1123) subdomain such as a label-key prefix.
    public static func subdomainErrors(_ value: String) -> [String] {
        var errors: [String] = []
        if value.utf8.count > 253 {
            errors.append("must be no more than 253 characters")
        }
        if !isSubdomain(value) {
            errors.append(regexError(subdomainMessage, subdomainRegex, examples: ["example.com"]))
        }
        return errors
    }

    // MARK: character classes (ASCII only, as the Go regular expressions are)

    private static func isAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c)
    }

    private static func isLowerAlphanumeric(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("0"..."9").contains(c)
    }

    /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
    private static func isQualifiedNamePart(_ s: Substring) -> Bool {
        let scalars = Array(s.unicodeScalars)
        guard let first = scalars.first, let last = scalars.last,
              isAlphanumeric(first), isAlphanumeric(last) else { return false }
        return scalars.allSatisfy { isAlphanumeric($0) || $0 == "-" || $0 == "_" || $0 == "." }
    }

    /// Dot-separated RFC 1123 labels: `[a-z0-9]([-a-z0-9]*[a-z0-9])?` joined by `.`.
    private static func isSubdomain(_ s: String) -> Bool {
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            let scalars = Array(label.unicodeScalars)
            guard let first = scalars.first, let last = scalars.last,
                  isLowerAlphanumeric(first), isLowerAlphanumeric(last) else { return false }
            return scalars.allSatisfy { isLowerAlphanumeric($0) || $0 == "-" }
        }
    }

    /// Kubernetes' RegexError wording, double space before "or" included.
    static func regexError(_ message: String, _ regex: String, examples: [String]) -> String {
        if examples.isEmpty { return message + " (regex used for validation is '" + regex + "')" }
        var text = message + " (e.g. "
        for (i, example) in examples.enumerated() {
            if i > 0 { text += " or " }
            text += "'" + example + "', "
        }
        return text + "regex used for validation is '" + regex + "')"
    }
}

/// Renders values the way Go's `%q` and `%#v` print them inside Kubernetes field errors.
enum WireGoFormat {
    /// Go's strconv.Quote: a double-quoted string with Go escapes.
    static func quote(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\u{07}": out += "\\a"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{0B}": out += "\\v"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\x" + hex(scalar.value, width: 2)
                } else if (0x80...0x9f).contains(scalar.value) || scalar.value == 0xfeff {
                    out += "\\u" + hex(scalar.value, width: 4)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// `%#v` of a Go []string: `[]string{"a", "b"}`, or `[]string(nil)` for a nil slice.
    static func stringSlice(_ values: [String]?) -> String {
        guard let values else { return "[]string(nil)" }
        return "[]string{" + values.map(quote).joined(separator: ", ") + "}"
    }

    private static func hex(_ value: UInt32, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
