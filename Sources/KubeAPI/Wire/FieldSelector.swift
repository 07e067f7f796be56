/// A Kubernetes field selector, the `?fieldSelector=` query parameter: comma-separated terms
/// `field=value`, `field==value` or `field!=value`, ANDed. There are no set operators and no
/// whitespace trimming (Kubernetes has neither). In values, `\,` `\=` and `\\` stand for `,` `=`
/// and `\`; an unescaped `,` or `=` in a value is an error.
///
/// Parsing accepts any field name; `converted(forKind:)` (or `init(parsing:kind:)`) then checks
/// the fields against what Kubernetes supports for the kind, with Kubernetes' messages.
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    public enum Operator: String, Sendable, Hashable {
        case equals = "="
        case doubleEquals = "=="
        case notEquals = "!="
    }

    public struct Requirement: Sendable, Hashable, CustomStringConvertible {
        public let field: String
        public let `operator`: Operator
        /// The unescaped value.
        public let value: String

        public init(field: String, operator op: Operator, value: String) {
            self.field = field
            self.operator = op
            self.value = value
        }

        public func matches(fieldValue: String) -> Bool {
            self.operator == .notEquals ? fieldValue != value : fieldValue == value
        }

        /// Kubernetes' canonical text: `==` prints as `=`, the value re-escaped.
        public var description: String {
            field + (self.operator == .notEquals ? "!=" : "=") + FieldSelector.escape(value)
        }
    }

    /// The requirements, in Kubernetes' order (terms sorted by their source text).
    public let requirements: [Requirement]

    public init(requirements: [Requirement]) {
        self.requirements = requirements
    }

    public static let everything = FieldSelector(requirements: [])

    /// Parses the query syntax. Errors carry Kubernetes' messages; answer them with 400 BadRequest.
    public init(parsing text: String) throws {
        var requirements: [Requirement] = []
        // Kubernetes sorts the raw terms before parsing them; the order shows in `string`.
        for term in FieldSelector.splitTerms(text).sorted(by: FieldSelector.goLess) where !term.isEmpty {
            guard let (field, op, rawValue) = FieldSelector.splitTerm(term) else {
                throw FieldSelectorError("invalid selector: '\(text)'; can't understand '\(term)'")
            }
            requirements.append(Requirement(field: field, operator: op, value: try FieldSelector.unescape(rawValue)))
        }
        self.requirements = requirements
    }

    /// Parses and checks the fields against those Kubernetes supports for `kind`
    /// (see `converted(forKind:)`).
    public init(parsing text: String, kind: String, group: String = "") throws {
        self = try FieldSelector(parsing: text).converted(forKind: kind, group: group)
    }

    /// Checks every field against the kind's supported fields, applying Kubernetes' renames
    /// (a Pod's legacy `spec.host` becomes `spec.nodeName`). Throws Kubernetes' message for an
    /// unsupported field, e.g. `field label not supported: spec.foo`. `group` only matters for
    /// events.k8s.io Events, whose field names differ from core/v1's.
    public func converted(forKind kind: String, group: String = "") throws -> FieldSelector {
        FieldSelector(requirements: try requirements.map { requirement in
            let field = try FieldSelectorFields.convert(field: requirement.field, kind: kind, group: group)
            return Requirement(field: field, operator: requirement.operator, value: requirement.value)
        })
    }

    public var isEmpty: Bool { requirements.isEmpty }

    /// Whether the object satisfies every term. Fields the kind does not expose read as "",
    /// as in Kubernetes' fields.Set.
    public func matches(_ object: JSON, kind: String) -> Bool {
        requirements.allSatisfy {
            $0.matches(fieldValue: FieldSelectorFields.value(of: $0.field, in: object, kind: kind))
        }
    }

    /// Kubernetes' canonical text (fields.Selector.String()).
    public var string: String { requirements.map(\.description).joined(separator: ",") }

    public var description: String { string }

    /// The value `field` must equal (`field=v` or `field==v`), if the selector pins it; lets a
    /// store use an index instead of scanning (Kubernetes' RequiresExactMatch).
    public func exactValue(for field: String) -> String? {
        requirements.first { $0.field == field && $0.operator != .notEquals }?.value
    }

    /// The node a pod list/watch is restricted to (`spec.nodeName=X`), as the kubelet asks.
    public func nodeName() -> String? { exactValue(for: "spec.nodeName") }

    // MARK: syntax

    /// Splits on commas that are not escaped by a backslash (the backslash stays in the term).
    static func splitTerms(_ text: String) -> [String] {
        if text.isEmpty { return [] }
        var terms: [String] = []
        var current = ""
        var escaped = false
        for c in text.unicodeScalars {
            if escaped {
                escaped = false
            } else if c == "\\" {
                escaped = true
            } else if c == "," {
                terms.append(current)
                current = ""
                continue
            }
            current.unicodeScalars.append(c)
        }
        terms.append(current)
        return terms
    }

    /// Splits a term at the first operator; `!=` and `==` are tried before `=` at each position.
    static func splitTerm(_ term: String) -> (String, Operator, String)? {
        let scalars = Array(term.unicodeScalars)
        for i in scalars.indices {
            for op in [Operator.notEquals, .doubleEquals, .equals] {
                let opScalars = Array(op.rawValue.unicodeScalars)
                if scalars[i...].starts(with: opScalars) {
                    var field = "", value = ""
                    field.unicodeScalars.append(contentsOf: scalars[..<i])
                    value.unicodeScalars.append(contentsOf: scalars[(i + opScalars.count)...])
                    return (field, op, value)
                }
            }
        }
        return nil
    }

    static func unescape(_ raw: String) throws -> String {
        var out = ""
        var escaped = false
        for c in raw.unicodeScalars {
            if escaped {
                guard c == "\\" || c == "," || c == "=" else {
                    throw FieldSelectorError("invalid field selector: invalid escape sequence: \\\(Character(c))")
                }
                out.unicodeScalars.append(c)
                escaped = false
                continue
            }
            switch c {
            case "\\": escaped = true
            case ",", "=":
                // Go prints the rune with %v, i.e. as its number (61 for '=', 44 for ',').
                throw FieldSelectorError("invalid field selector: unescaped character in value: \(c.value)")
            default: out.unicodeScalars.append(c)
            }
        }
        if escaped { throw FieldSelectorError("invalid field selector: invalid escape sequence: \\") }
        return out
    }

    /// Go compares strings bytewise; Swift's `<` would apply Unicode normalization.
    static func goLess(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }

    /// Escapes a value for the query syntax (Kubernetes' fields.EscapeValue).
    public static func escape(_ value: String) -> String {
        var out = ""
        for c in value.unicodeScalars {
            if c == "\\" || c == "," || c == "=" { out += "\\" }
            out.unicodeScalars.append(c)
        }
        return out
    }
}

/// A field selector Kubernetes would reject; `message` is the Status message to return with
/// 400 BadRequest.
public struct FieldSelectorError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
