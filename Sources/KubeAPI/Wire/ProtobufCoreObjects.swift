/// Decoding of the `raw` bytes of Secret and ConfigMap (`kubectl create secret …` and
/// `kubectl create configmap …`), into the JSON those objects would have had in a JSON request
/// (Go `omitempty` rules; bytes as standard base64). These two predate the schema-driven decoder
/// (`ProtobufSchemaDecoder`) that handles every other kind, and stay hand-written because their
/// byte-valued maps are the only ones in any schema.
enum ProtobufCoreObjects {
    /// core/v1 Secret: 1 metadata, 2 data map<string,bytes>, 3 type, 4 stringData, 5 immutable.
    static func decodeSecret(_ raw: ArraySlice<UInt8>) throws -> JSON {
        var reader = ProtobufWireReader(raw, context: "Secret")
        var object: [String: JSON] = ["apiVersion": "v1", "kind": "Secret", "metadata": .emptyObject]
        var data: [String: JSON] = [:]
        var stringData: [String: JSON] = [:]
        while let tag = try reader.readTag() {
            switch tag.field {
            case 1: object["metadata"] = try ProtobufObjectMeta.decode(try reader.readMessage(tag, "metadata"))
            case 2:
                let (key, value) = try reader.readBytesMapEntry(tag, "data")
                data[key] = .string(value)
            case 3:
                let type = try reader.readString(tag, "type")
                object["type"] = type.isEmpty ? nil : .string(type)
            case 4:
                let (key, value) = try reader.readStringMapEntry(tag, "stringData")
                stringData[key] = .string(value)
            case 5: object["immutable"] = .bool(try reader.readBool(tag, "immutable"))
            default: try reader.skip(tag)
            }
        }
        if !data.isEmpty { object["data"] = .object(data) }
        if !stringData.isEmpty { object["stringData"] = .object(stringData) }
        return .object(object)
    }

    /// core/v1 ConfigMap: 1 metadata, 2 data map<string,string>, 3 binaryData map<string,bytes>,
    /// 4 immutable.
    static func decodeConfigMap(_ raw: ArraySlice<UInt8>) throws -> JSON {
        var reader = ProtobufWireReader(raw, context: "ConfigMap")
        var object: [String: JSON] = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": .emptyObject]
        var data: [String: JSON] = [:]
        var binaryData: [String: JSON] = [:]
        while let tag = try reader.readTag() {
            switch tag.field {
            case 1: object["metadata"] = try ProtobufObjectMeta.decode(try reader.readMessage(tag, "metadata"))
            case 2:
                let (key, value) = try reader.readStringMapEntry(tag, "data")
                data[key] = .string(value)
            case 3:
                let (key, value) = try reader.readBytesMapEntry(tag, "binaryData")
                binaryData[key] = .string(value)
            case 4: object["immutable"] = .bool(try reader.readBool(tag, "immutable"))
            default: try reader.skip(tag)
            }
        }
        if !data.isEmpty { object["data"] = .object(data) }
        if !binaryData.isEmpty { object["binaryData"] = .object(binaryData) }
        return .object(object)
    }
}
