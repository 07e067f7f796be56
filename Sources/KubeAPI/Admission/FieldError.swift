/// One validation problem, rendered exactly as Kubernetes' `field.Error` renders itself:
/// `spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`.
public struct FieldError: Sendable, Equatable, CustomStringConvertible {
    public enum ErrorType: String, Sendable, Equatable {
        case notFound = "FieldValueNotFound"
        case required = "FieldValueRequired"
        case duplicate = "FieldValueDuplicate"
        case invalid = "FieldValueInvalid"
        case notSupported = "FieldValueNotSupported"
        case forbidden = "FieldValueForbidden"
        case tooLong = "FieldValueTooLong"
        case tooMany = "FieldValueTooMany"
        case internalError = "InternalError"

        /// The words Kubernetes prints for the type.
        public var text: String {
            switch self {
            case .notFound: return "Not found"
            case .required: return "Required value"
            case .duplicate: return "Duplicate value"
            case .invalid: return "Invalid value"
            case .notSupported: return "Unsupported value"
            case .forbidden: return "Forbidden"
            case .tooLong: return "Too long"
            case .tooMany: return "Too many"
            case .internalError: return "Internal error"
            }
        }
    }

    public var type: ErrorType
    /// The field path, e.g. `spec.ports[0].port` or `data[tls.crt]`.
    public var field: String
    /// The offending value, when the error shows one.
    public var badValue: JSON?
    public var detail: String
    /// How Go's `%#v` prints the bad value when it is not a plain string, number or bool
    /// (`map[string]string{"app":"x"}`); overrides the rendering of `badValue`.
    public var goValue: String?

    public init(type: ErrorType, field: String, badValue: JSON? = nil, detail: String = "", goValue: String? = nil) {
        self.type = type
        self.field = field
        self.badValue = badValue
        self.detail = detail
        self.goValue = goValue
    }

    /// `field: body`, as `field.Error.Error()`.
    public var description: String { "\(field): \(body)" }

    /// The message without the field (what Status causes carry), as `field.Error.ErrorBody()`.
    public var body: String {
        var s: String
        switch type {
        case .required, .forbidden, .tooLong, .internalError:
            s = type.text
        default:
            s = "\(type.text): \(renderedValue)"
        }
        if !detail.isEmpty { s += ": \(detail)" }
        return s
    }

    var renderedValue: String {
        if let goValue { return goValue }
        guard let value = badValue else { return "null" }
        return Admission.GoSyntax.render(value)
    }
}

// Constructors named after Kubernetes' field.Required, field.Invalid and friends (public so the
// server can report its own problems, e.g. a NodePort outside the range, the same way).
extension FieldError {
    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(type: .required, field: field, badValue: "", detail: detail)
    }

    public static func invalid(_ field: String, _ value: JSON?, _ detail: String, goValue: String? = nil) -> FieldError {
        FieldError(type: .invalid, field: field, badValue: value, detail: detail, goValue: goValue)
    }

    public static func notSupported(_ field: String, _ value: JSON?, _ supported: [String], goValue: String? = nil) -> FieldError {
        let detail = supported.isEmpty ? "" : "supported values: " + supported.map(Admission.GoSyntax.quote).joined(separator: ", ")
        return FieldError(type: .notSupported, field: field, badValue: value, detail: detail, goValue: goValue)
    }

    public static func duplicate(_ field: String, _ value: JSON?, goValue: String? = nil) -> FieldError {
        FieldError(type: .duplicate, field: field, badValue: value, goValue: goValue)
    }

    public static func notFound(_ field: String, _ value: JSON?) -> FieldError {
        FieldError(type: .notFound, field: field, badValue: value)
    }

    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(type: .forbidden, field: field, badValue: "", detail: detail)
    }

    public static func tooLong(_ field: String, maxBytes: Int) -> FieldError {
        FieldError(type: .tooLong, field: field, badValue: "",
                   detail: "may not be more than \(maxBytes) \(maxBytes == 1 ? "byte" : "bytes")")
    }

    public static func tooMany(_ field: String, actual: Int, max: Int) -> FieldError {
        FieldError(type: .tooMany, field: field, badValue: .int(Int64(actual)), detail: "must have at most \(max) items")
    }
}

extension Admission {
    /// Go `fmt` renderings of values (`%q`, `%v`, `%#v`) for error messages.
    enum GoSyntax {
        /// `%q`: a double-quoted Go string literal.
        static func quote(_ s: String) -> String {
            var out = "\""
            for scalar in s.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                case "\r": out += "\\r"
                case "\u{07}": out += "\\a"
                case "\u{08}": out += "\\b"
                case "\u{0C}": out += "\\f"
                case "\u{0B}": out += "\\v"
                default:
                    if scalar.value < 0x20 || scalar.value == 0x7F {
                        out += "\\x" + hex(scalar.value, width: 2)
                    } else if scalar.value >= 0x80 && !scalar.properties.isPrintableForGo {
                        out += scalar.value > 0xFFFF ? "\\U" + hex(scalar.value, width: 8) : "\\u" + hex(scalar.value, width: 4)
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out + "\""
        }

        private static func hex(_ v: UInt32, width: Int) -> String {
            let h = String(v, radix: 16)
            return String(repeating: "0", count: max(0, width - h.count)) + h
        }

        /// A JSON value the way the matching Go value prints: strings quoted, numbers and bools
        /// bare, string maps and slices in `%#v` form.
        static func render(_ value: JSON) -> String {
            switch value {
            case .null: return "null"
            case .bool(let b): return b ? "true" : "false"
            case .int(let i): return String(i)
            case .double(let d): return formatFloat(d)
            case .string(let s): return quote(s)
            case .array(let items):
                if items.allSatisfy({ $0.string != nil }) { return stringSlice(items.compactMap(\.string)) }
                return "[]interface {}{" + items.map(render).joined(separator: ", ") + "}"
            case .object(let members):
                if members.values.allSatisfy({ $0.string != nil }) { return stringMap(members.mapValues { $0.string! }) }
                return "map[string]interface {}{" + members.keys.sorted().map { quote($0) + ":" + render(members[$0]!) }
                    .joined(separator: ", ") + "}"
            }
        }

        /// `%v` of a float64.
        static func formatFloat(_ d: Double) -> String {
            if d.rounded() == d, abs(d) < 1e21 { return String(Int64(d)) }
            return String(d)
        }

        /// `%#v` of a `map[string]string` (keys sorted, as fmt sorts them); nil prints as `(nil)`.
        static func stringMap(_ map: [String: String]?) -> String {
            guard let map else { return "map[string]string(nil)" }
            return "map[string]string{" + map.keys.sorted().map { quote($0) + ":" + quote(map[$0]!) }.joined(separator: ", ") + "}"
        }

        /// `%#v` of a `[]string`; nil prints as `[]string(nil)`.
        static func stringSlice(_ items: [String]?) -> String {
            guard let items else { return "[]string(nil)" }
            return "[]string{" + items.map(quote).joined(separator: ", ") + "}"
        }

        /// `%#v` of a `*int64` / `*int32` field inside a struct.
        static func intPointer(_ value: JSON, bits: Int) -> String {
            if let i = value.int { return "(*int\(bits))(\(pointerPlaceholder(i)))" }
            return "(*int\(bits))(nil)"
        }

        /// Go prints a non-nil pointer inside `%#v` as its address; there is no address to
        /// reproduce, so show a stable marker instead.
        private static func pointerPlaceholder(_ i: Int64) -> String { "0x\(String(i, radix: 16))" }

        /// `%#v` of a `*v1.LabelSelector` as the immutable-selector error shows it.
        static func labelSelector(_ selector: JSON) -> String {
            let labels = selector["matchLabels"].object.map { $0.mapValues { $0.string ?? "" } }
            let expressions: String
            if let items = selector["matchExpressions"].array {
                expressions = "[]v1.LabelSelectorRequirement{" + items.map { e in
                    "v1.LabelSelectorRequirement{Key:\(quote(e["key"].string ?? "")), Operator:\(quote(e["operator"].string ?? "")), Values:\(stringSlice(e["values"].array?.compactMap(\.string)))}"
                }.joined(separator: ", ") + "}"
            } else {
                expressions = "[]v1.LabelSelectorRequirement(nil)"
            }
            return "v1.LabelSelector{MatchLabels:\(stringMap(labels)), MatchExpressions:\(expressions)}"
        }
    }
}

extension Unicode.Scalar.Properties {
    /// Roughly Go's `strconv.IsPrint` for non-ASCII: letters, marks, numbers, punctuation,
    /// symbols and the plain space.
    fileprivate var isPrintableForGo: Bool {
        switch generalCategory {
        case .control, .format, .surrogate, .privateUse, .unassigned, .lineSeparator, .paragraphSeparator:
            return false
        case .spaceSeparator:
            return false
        default:
            return true
        }
    }
}
