// Type mismatches the API server finds while decoding a body into the kind's Go struct,
// worded as Go's encoding/json (and the apimachinery custom decoders) word them.

extension Admission {
    /// Decode errors in the body, each as the bare error text (wrap it with
    /// `decodeErrorMessage`); Kubernetes reports only the first one, and reports it instead
    /// of any strict-decoding (unknown field) problem. Empty when the body decodes.
    ///
    /// `json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32`,
    /// `illegal base64 data at input byte 7`, `quantities must match the regular expression ...`.
    public static func decodeErrors(kind: String, object: JSON) -> [String] {
        guard let schema = FieldSchema.forKind(kind), let root = schema.structSchema else { return [] }
        var out: [String] = []
        for key in object.members.keys.sorted() {
            guard let fieldSchema = root.fields[key], key != "apiVersion", key != "kind" else { continue }
            checkDecode(object[key], fieldSchema, context: DecodeContext(structName: root.name, path: key), into: &out)
        }
        return out
    }

    /// Where a value sits, in the terms Go's decoder reports: the innermost struct type and
    /// the dotted field path from the root, without list indices or map keys.
    struct DecodeContext {
        var structName: String
        var path: String

        func typeError(_ jsonKind: String, goType: String) -> String {
            "json: cannot unmarshal \(jsonKind) into Go struct field \(structName).\(path) of type \(goType)"
        }
    }

    static func jsonKindName(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Go prints a number it could not store in an integer field with its literal text.
    static func numberText(_ value: JSON) -> String {
        switch value {
        case .int(let i): return String(i)
        case .double(let d):
            if d.rounded() == d, abs(d) < 1e21 { return String(Int64(exactly: d) ?? 0) }
            return String(d)
        default: return ""
        }
    }

    /// Whether a JSON number fits the Go integer type (`int32`/`int64`); Go rejects fractions.
    static func fitsInteger(_ value: JSON, goType: String) -> Bool {
        let n: Int64
        switch value {
        case .int(let i): n = i
        case .double(let d):
            guard d.rounded() == d, abs(d) < 9.2e18 else { return false }
            n = Int64(d)
        default: return false
        }
        if goType == "int32" { return n >= Int64(Int32.min) && n <= Int64(Int32.max) }
        return true
    }

    static func checkDecode(_ value: JSON, _ schema: FieldSchema, context: DecodeContext, into out: inout [String]) {
        if value.isNull { return }  // null decodes to the zero value everywhere
        switch schema {
        case .string(let goType):
            if value.string == nil { out.append(context.typeError(jsonKindName(value), goType: goType)) }
        case .integer(let goType):
            switch value {
            case .int, .double:
                if !fitsInteger(value, goType: goType) {
                    out.append(context.typeError("number " + numberText(value), goType: goType))
                }
            default: out.append(context.typeError(jsonKindName(value), goType: goType))
            }
        case .number:
            if value.double == nil { out.append(context.typeError(jsonKindName(value), goType: "float64")) }
        case .boolean:
            if value.bool == nil { out.append(context.typeError(jsonKindName(value), goType: "bool")) }
        case .bytes:
            guard let s = value.string else {
                out.append(context.typeError(jsonKindName(value), goType: "[]uint8"))
                return
            }
            if case .failure(let at) = GoBase64.decode(s) {
                out.append("illegal base64 data at input byte \(at)")
            }
        case .intOrString:
            // IntOrString decodes non-strings into its int32 member.
            switch value {
            case .string: return
            case .int, .double:
                if !fitsInteger(value, goType: "int32") {
                    out.append(context.typeError("number " + numberText(value), goType: "int32"))
                }
            default: out.append(context.typeError(jsonKindName(value), goType: "int32"))
            }
        case .quantity:
            let text: String
            switch value {
            case .string(let s): text = s
            case .int, .double: text = numberText(value)
            default: text = "{"  // bools, arrays and objects never parse as a quantity
            }
            if let error = GoQuantity.parseError(GoQuantity.trimSpace(text)) { out.append(error) }
        case .time(let micro):
            guard let s = value.string else {
                out.append(context.typeError(jsonKindName(value), goType: "string"))
                return
            }
            if let error = GoTime.parseError(s, micro: micro) { out.append(error) }
        case .object(let s):
            guard let members = value.object else {
                out.append(context.typeError(jsonKindName(value), goType: "v1.\(s.name)"))
                return
            }
            for key in members.keys.sorted() {
                guard let fieldSchema = s.fields[key] else { continue }
                checkDecode(members[key]!, fieldSchema,
                            context: DecodeContext(structName: s.name, path: context.path + "." + key), into: &out)
            }
        case .map(let element, let goType):
            guard let members = value.object else {
                out.append(context.typeError(jsonKindName(value), goType: goType))
                return
            }
            for key in members.keys.sorted() {
                checkDecode(members[key]!, element, context: context, into: &out)
            }
        case .list(let element, let goType, _):
            guard let items = value.array else {
                out.append(context.typeError(jsonKindName(value), goType: goType))
                return
            }
            for item in items { checkDecode(item, element, context: context, into: &out) }
        case .freeForm:
            return
        }
    }
}
