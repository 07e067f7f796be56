/// The shape of a Kubernetes object, as the API server's typed decoder sees it.
///
/// The server keeps objects unstructured, but Kubernetes decodes every write into Go structs
/// first: that is where unknown fields (`fieldValidation=Strict`) and type mismatches
/// (`json: cannot unmarshal string into Go struct field ...`) are found. This tree carries just
/// enough of those Go types to reproduce both, and to emit OpenAPI schemas.
public indirect enum FieldSchema: Sendable {
    /// A string; `goType` is the Go type named in decode errors (`string`, `v1.Protocol`...).
    case string(goType: String)
    /// An integer; `goType` is `int32` or `int64` (Go reports the width in its errors).
    case integer(goType: String)
    /// A float64 (rare in these kinds).
    case number
    case boolean
    /// A Go `[]byte`: base64 text in JSON (Secret `data`, ConfigMap `binaryData`).
    case bytes
    /// `intstr.IntOrString`: a number or a string (ports, maxSurge).
    case intOrString
    /// `resource.Quantity`: a string such as `100m` or `1Gi` (a bare number is accepted too).
    case quantity
    /// `metav1.Time` (RFC 3339, seconds) or `metav1.MicroTime` when `micro`.
    case time(micro: Bool)
    /// A Go struct: only the listed JSON members are known.
    case object(StructSchema)
    /// A `map[string]X`; `goType` is the Go type name (`map[string]string`, `v1.ResourceList`).
    case map(FieldSchema, goType: String)
    /// A slice; `mergeKey` is the strategic-merge-patch key when the list merges by key.
    case list(FieldSchema, goType: String, mergeKey: String?)
    /// Anything goes (RawExtension, FieldsV1): not looked into.
    case freeForm(goType: String)
}

/// One Go struct: its name (as Go error messages print it), the OpenAPI package it lives in,
/// and its JSON members.
public struct StructSchema: Sendable {
    /// Go type name without package, e.g. `ServicePort`.
    public let name: String
    /// OpenAPI definition prefix, e.g. `io.k8s.api.core.v1`.
    public let package: String
    public let fields: [String: FieldSchema]

    public init(name: String, package: String, fields: [String: FieldSchema]) {
        self.name = name
        self.package = package
        self.fields = fields
    }

    /// The OpenAPI definition name, e.g. `io.k8s.api.core.v1.ServicePort`.
    public var definitionName: String { "\(package).\(name)" }
}

extension FieldSchema {
    /// The Go type as `encoding/json` prints it in "of type ..." (every API package here is
    /// called `v1` in Go, so structs print as `v1.Name`).
    public var goType: String {
        switch self {
        case .string(let t), .integer(let t): return t
        case .number: return "float64"
        case .boolean: return "bool"
        case .bytes: return "[]uint8"
        case .intOrString: return "intstr.IntOrString"
        case .quantity: return "resource.Quantity"
        case .time(let micro): return micro ? "v1.MicroTime" : "v1.Time"
        case .object(let s): return "v1.\(s.name)"
        case .map(_, let t), .list(_, let t, _), .freeForm(let t): return t
        }
    }

    /// The struct behind an object schema, if it is one.
    public var structSchema: StructSchema? {
        if case .object(let s) = self { return s }
        return nil
    }
}

// MARK: - The small DSL the known-field tables are written in.

extension Admission {
    /// Namespace for the known-field tables; the DSL lives here (not at module level) so names
    /// such as `str` or `time` cannot collide with other code in the module.
    enum KnownFields {
        enum Package {
            static let core = "io.k8s.api.core.v1"
            static let meta = "io.k8s.apimachinery.pkg.apis.meta.v1"
            static let apps = "io.k8s.api.apps.v1"
            static let discovery = "io.k8s.api.discovery.v1"
            static let events = "io.k8s.api.events.v1"
            static let coordination = "io.k8s.api.coordination.v1"
            static let autoscaling = "io.k8s.api.autoscaling.v1"
        }

        static let str = FieldSchema.string(goType: "string")
        static let int32 = FieldSchema.integer(goType: "int32")
        static let int64 = FieldSchema.integer(goType: "int64")
        static let bool = FieldSchema.boolean
        static let quantity = FieldSchema.quantity
        static let intOrString = FieldSchema.intOrString
        static let time = FieldSchema.time(micro: false)
        static let microTime = FieldSchema.time(micro: true)
        static let strList = list(str)
        static let strMap = FieldSchema.map(str, goType: "map[string]string")
        static let resourceList = FieldSchema.map(quantity, goType: "v1.ResourceList")
        static let freeForm = FieldSchema.freeForm(goType: "runtime.RawExtension")

        /// A string of a named Go type (`v1.Protocol`): same JSON, different error text.
        static func named(_ goType: String) -> FieldSchema { .string(goType: goType) }

        /// A Go struct in the core API group unless `package` says otherwise.
        static func obj(_ name: String, _ package: String, _ fields: [String: FieldSchema]) -> FieldSchema {
            .object(StructSchema(name: name, package: package, fields: fields))
        }

        static func obj(_ name: String, _ fields: [String: FieldSchema]) -> FieldSchema {
            obj(name, Package.core, fields)
        }

        static func list(_ element: FieldSchema, mergeKey: String? = nil) -> FieldSchema {
            .list(element, goType: "[]" + element.goType, mergeKey: mergeKey)
        }

        /// A slice whose Go type is a named type (`v1.FinalizerName` elements and the like).
        static func list(_ element: FieldSchema, goType: String) -> FieldSchema {
            .list(element, goType: goType, mergeKey: nil)
        }

        static func map(_ value: FieldSchema) -> FieldSchema {
            .map(value, goType: "map[string]" + value.goType)
        }

        /// A top-level kind: `apiVersion`, `kind` and `metadata` plus the kind's own members.
        static func topLevel(_ name: String, _ package: String, _ extra: [String: FieldSchema]) -> FieldSchema {
            var fields = extra
            fields["apiVersion"] = str
            fields["kind"] = str
            fields["metadata"] = objectMeta
            return .object(StructSchema(name: name, package: package, fields: fields))
        }
    }
}
