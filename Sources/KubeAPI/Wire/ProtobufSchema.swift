/// A declarative description of one Kubernetes protobuf message: for each field number, the JSON
/// name the field has and how its value appears in JSON. `ProtobufSchemaDecoder` walks bytes with
/// it, so that supporting another kind is a matter of listing its fields, not writing a decoder.
///
/// Field numbers and names come from the `generated.proto` of the Kubernetes release kubectl 1.32
/// was built with; the JSON rules come from the Go struct tags (see `JSONPresence`).
struct ProtobufMessageSchema: Sendable {
    /// The message's Go/proto type name, used in error messages ("invalid protobuf in PodSpec: …").
    let name: String
    let fields: [ProtobufField]
    private let byNumber: [UInt64: Int]

    init(_ name: String, _ fields: [ProtobufField]) {
        self.name = name
        self.fields = fields
        var byNumber: [UInt64: Int] = [:]
        for (index, field) in fields.enumerated() {
            precondition(byNumber[field.number] == nil, "\(name) lists field \(field.number) twice")
            byNumber[field.number] = index
        }
        self.byNumber = byNumber
    }

    func field(_ number: UInt64) -> ProtobufField? {
        byNumber[number].map { fields[$0] }
    }
}

/// How a non-message scalar field appears in the JSON that Go's encoder would write.
///
/// gogo-protobuf writes every non-pointer field, even when it holds the zero value, and a pointer
/// field only when it is set; so a scalar on the wire is either a plain Go value or a set pointer.
enum JSONPresence: Sendable {
    /// Go `json:"x,omitempty"` on a plain value: the zero value ("", 0, false) is left out.
    case omitEmpty
    /// Go `json:"x"` on a plain value: always written, the zero value included, even when the
    /// field is missing from the bytes (the decoded Go struct would hold the zero value).
    case always
    /// A Go pointer (`*int32`, `*bool`, `*string`): written whenever it was sent, zero included,
    /// because a set pointer to zero means something different from an unset one.
    case pointer
}

struct ProtobufField: Sendable {
    enum Value: Sendable {
        case string
        case int32
        case int64
        case bool
        /// resource.Quantity, a message {1 string}; JSON writes the string.
        case quantity
        /// intstr.IntOrString, a message {1 type, 2 intVal, 3 strVal}; JSON writes a number or a string.
        case intOrString
        /// metav1.Time, a message {1 seconds, 2 nanos}; JSON writes RFC 3339, a zero time is left out.
        case time
        /// metav1.ObjectMeta, decoded by `ProtobufObjectMeta`.
        case objectMeta
        case message(ProtobufMessageSchema)
    }

    enum Shape: Sendable {
        /// One value; the presence only matters for scalars (messages are written whenever sent,
        /// as Go writes struct fields whatever their `omitempty`).
        case single(JSONPresence)
        /// A repeated field; an empty list is left out (Go writes `null` or nothing, which every
        /// reader treats the same).
        case repeated
        /// A map<string, value>, sent as repeated {1 key, 2 value} entries; empty maps are left out.
        case map
        /// A Go struct embedded with `json:",inline"`: its fields are written into this object.
        case inline
    }

    let number: UInt64
    let name: String
    let value: Value
    let shape: Shape
}

// The vocabulary the schema files are written in, one line per field.
extension ProtobufField {
    static func string(_ number: UInt64, _ name: String, _ presence: JSONPresence = .omitEmpty) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .string, shape: .single(presence))
    }
    static func int32(_ number: UInt64, _ name: String, _ presence: JSONPresence = .omitEmpty) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .int32, shape: .single(presence))
    }
    static func int64(_ number: UInt64, _ name: String, _ presence: JSONPresence = .omitEmpty) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .int64, shape: .single(presence))
    }
    static func bool(_ number: UInt64, _ name: String, _ presence: JSONPresence = .omitEmpty) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .bool, shape: .single(presence))
    }
    static func quantity(_ number: UInt64, _ name: String) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .quantity, shape: .single(.pointer))
    }
    static func intOrString(_ number: UInt64, _ name: String) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .intOrString, shape: .single(.pointer))
    }
    static func time(_ number: UInt64, _ name: String) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .time, shape: .single(.pointer))
    }
    static func objectMeta(_ number: UInt64, _ name: String) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .objectMeta, shape: .single(.pointer))
    }
    static func message(_ number: UInt64, _ name: String, _ schema: ProtobufMessageSchema) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .message(schema), shape: .single(.pointer))
    }
    static func messages(_ number: UInt64, _ name: String, _ schema: ProtobufMessageSchema) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .message(schema), shape: .repeated)
    }
    /// An embedded struct whose fields JSON writes at this level (Go `json:",inline"`).
    static func inline(_ number: UInt64, _ schema: ProtobufMessageSchema) -> ProtobufField {
        ProtobufField(number: number, name: schema.name, value: .message(schema), shape: .inline)
    }
    static func strings(_ number: UInt64, _ name: String) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .string, shape: .repeated)
    }
    static func int32s(_ number: UInt64, _ name: String) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .int32, shape: .repeated)
    }
    static func int64s(_ number: UInt64, _ name: String) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .int64, shape: .repeated)
    }
    static func stringMap(_ number: UInt64, _ name: String) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .string, shape: .map)
    }
    static func quantityMap(_ number: UInt64, _ name: String) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .quantity, shape: .map)
    }
    static func timeMap(_ number: UInt64, _ name: String) -> ProtobufField {
        ProtobufField(number: number, name: name, value: .time, shape: .map)
    }
}

/// The namespace the per-group schema files extend.
enum ProtobufSchemas {}
