/// Turns protobuf bytes into the JSON object Go's encoder would write for the same Go struct,
/// following a `ProtobufMessageSchema`. Fields the schema does not list are skipped, as every
/// protobuf decoder must (they may be newer than the schema).
///
/// A non-repeated field sent twice keeps its last value. (Protobuf would merge two occurrences
/// of a message field; gogo-protobuf never writes a field twice, so this never matters for
/// bodies kubectl builds.)
enum ProtobufSchemaDecoder {
    static func decode(_ bytes: ArraySlice<UInt8>, _ schema: ProtobufMessageSchema) throws -> [String: JSON] {
        var reader = ProtobufWireReader(bytes, context: schema.name)
        var object: [String: JSON] = [:]
        var lists: [String: [JSON]] = [:]
        var maps: [String: [String: JSON]] = [:]
        var inlinedSeen: Set<UInt64> = []

        while let tag = try reader.readTag() {
            guard let field = schema.field(tag.field) else {
                try reader.skip(tag)
                continue
            }
            let context = "\(schema.name).\(field.name)"
            switch field.shape {
            case .single(let presence):
                let value = try readValue(&reader, tag, field, context: context)
                object[field.name] = shown(value, presence)
            case .repeated:
                lists[field.name, default: []] += try readRepeated(&reader, tag, field, context: context)
            case .map:
                let (key, bytes) = try reader.readMapEntry(tag, field.name)
                maps[field.name, default: [:]][key] = try mapValue(bytes, field, context: context)
            case .inline:
                guard case .message(let embedded) = field.value else { preconditionFailure("inline \(context)") }
                inlinedSeen.insert(field.number)
                let fields = try decode(try reader.readMessage(tag, field.name), embedded)
                object.merge(fields) { _, embeddedValue in embeddedValue }
            }
        }

        for (name, list) in lists where !list.isEmpty { object[name] = .array(list) }
        for (name, map) in maps { object[name] = .object(map) }
        for field in schema.fields {
            switch field.shape {
            case .single(.always):
                // The Go struct holds the zero value, and its JSON tag has no omitempty.
                if object[field.name] == nil { object[field.name] = field.value.zeroValue }
            case .inline where !inlinedSeen.contains(field.number):
                // Likewise for the embedded struct's own always-written fields.
                guard case .message(let embedded) = field.value else { break }
                object.merge(try decode([], embedded)) { existing, _ in existing }
            default:
                break
            }
        }
        return object
    }

    /// The JSON value of a field, or nil when Go's encoder would leave it out.
    private static func shown(_ value: JSON, _ presence: JSONPresence) -> JSON? {
        if value.isNull { return nil }  // a zero metav1.Time
        if presence == .omitEmpty && value.isZeroScalar { return nil }
        return value
    }

    private static func readValue(
        _ reader: inout ProtobufWireReader, _ tag: ProtobufWireReader.Tag, _ field: ProtobufField, context: String
    ) throws -> JSON {
        switch field.value {
        case .string: return .string(try reader.readString(tag, field.name))
        case .int32: return .int(Int64(Int32(truncatingIfNeeded: try reader.readInt64(tag, field.name))))
        case .int64: return .int(try reader.readInt64(tag, field.name))
        case .bool: return .bool(try reader.readBool(tag, field.name))
        case .quantity: return try decodeQuantity(try reader.readMessage(tag, field.name), context: context)
        case .intOrString: return try decodeIntOrString(try reader.readMessage(tag, field.name), context: context)
        case .time: return try ProtobufTime.decode(try reader.readMessage(tag, field.name), field: context)
        case .objectMeta: return try ProtobufObjectMeta.decode(try reader.readMessage(tag, field.name))
        case .message(let schema): return .object(try decode(try reader.readMessage(tag, field.name), schema))
        }
    }

    /// One occurrence of a repeated field: a single element, or for numbers also a packed run
    /// (gogo-protobuf writes proto2 numbers unpacked, but a decoder must accept both).
    private static func readRepeated(
        _ reader: inout ProtobufWireReader, _ tag: ProtobufWireReader.Tag, _ field: ProtobufField, context: String
    ) throws -> [JSON] {
        let isNumber: Bool
        switch field.value {
        case .int32, .int64, .bool: isNumber = true
        default: isNumber = false
        }
        guard isNumber, tag.wireType == .lengthDelimited else {
            return [try readValue(&reader, tag, field, context: context)]
        }
        var packed = ProtobufWireReader(try reader.readBytes(tag, field.name), context: context)
        var values: [JSON] = []
        while !packed.isAtEnd {
            let raw = try packed.readVarint()
            switch field.value {
            case .int32: values.append(.int(Int64(Int32(truncatingIfNeeded: raw))))
            case .bool: values.append(.bool(raw != 0))
            default: values.append(.int(Int64(bitPattern: raw)))
            }
        }
        return values
    }

    private static func mapValue(_ bytes: ArraySlice<UInt8>, _ field: ProtobufField, context: String) throws -> JSON {
        switch field.value {
        case .string: return .string(String(decoding: bytes, as: UTF8.self))
        case .quantity: return try decodeQuantity(bytes, context: context)
        // A zero time keeps its key, as Go writes `"key": null` for it.
        case .time: return try ProtobufTime.decode(bytes, field: context)
        default: preconditionFailure("no map values of this kind in any schema (\(context))")
        }
    }

    /// resource.Quantity travels as {1: its canonical string}. Go parses it and writes it back
    /// out; we pass the string through (kubectl sends canonical forms), and an empty one is the
    /// zero quantity, which Go writes as "0".
    static func decodeQuantity(_ bytes: ArraySlice<UInt8>, context: String) throws -> JSON {
        var reader = ProtobufWireReader(bytes, context: context)
        var text = ""
        while let tag = try reader.readTag() {
            switch tag.field {
            case 1: text = try reader.readString(tag, "string")
            default: try reader.skip(tag)
            }
        }
        return .string(text.isEmpty ? "0" : text)
    }

    /// intstr.IntOrString travels as {1 type (0 int, 1 string), 2 intVal, 3 strVal}; JSON
    /// writes the number or the string, and Go refuses any other type.
    static func decodeIntOrString(_ bytes: ArraySlice<UInt8>, context: String) throws -> JSON {
        var reader = ProtobufWireReader(bytes, context: context)
        var type: Int64 = 0
        var intVal: Int32 = 0
        var strVal = ""
        while let tag = try reader.readTag() {
            switch tag.field {
            case 1: type = try reader.readInt64(tag, "type")
            case 2: intVal = Int32(truncatingIfNeeded: try reader.readInt64(tag, "intVal"))
            case 3: strVal = try reader.readString(tag, "strVal")
            default: try reader.skip(tag)
            }
        }
        switch type {
        case 0: return .int(Int64(intVal))
        case 1: return .string(strVal)
        default:
            throw ProtobufDecodeError.malformed(
                "invalid protobuf in \(context): IntOrString type \(type) is neither 0 (int) nor 1 (string)")
        }
    }
}

extension ProtobufField.Value {
    /// What a Go struct holds for this field when nothing was sent (scalars only).
    var zeroValue: JSON? {
        switch self {
        case .string: return .string("")
        case .int32, .int64: return .int(0)
        case .bool: return .bool(false)
        default: return nil
        }
    }
}

extension JSON {
    /// "", 0 and false: the values Go's `omitempty` leaves out.
    fileprivate var isZeroScalar: Bool {
        switch self {
        case .string(let s): return s.isEmpty
        case .int(let i): return i == 0
        case .bool(let b): return !b
        default: return false
        }
    }
}
