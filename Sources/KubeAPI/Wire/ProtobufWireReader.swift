import Foundation

/// A cursor over protobuf wire-format bytes: just enough of the encoding (varints, length-delimited
/// fields, skipping) to read the few Kubernetes messages the server accepts as protobuf.
/// Every read is bounds-checked; `context` names the message being read so errors say where.
struct ProtobufWireReader {
    /// Protobuf wire types; groups (3, 4) are deprecated and never produced by Kubernetes.
    enum WireType: UInt8 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case startGroup = 3
        case endGroup = 4
        case fixed32 = 5
    }

    struct Tag {
        let field: UInt64
        let wireType: WireType
    }

    private let bytes: ArraySlice<UInt8>
    private var position: Int
    let context: String

    init(_ bytes: ArraySlice<UInt8>, context: String) {
        self.bytes = bytes
        self.position = bytes.startIndex
        self.context = context
    }

    var isAtEnd: Bool { position >= bytes.endIndex }

    private func error(_ what: String) -> ProtobufDecodeError {
        .malformed("invalid protobuf in \(context): \(what)")
    }

    mutating func readVarint() throws -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.endIndex else { throw error("unexpected end of data in varint") }
            let byte = bytes[position]
            position += 1
            // The tenth byte may only contribute the top bit of a 64-bit value.
            if shift == 63 && byte > 1 { throw error("varint overflows 64 bits") }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// Reads the next field key; nil at the end of the message.
    mutating func readTag() throws -> Tag? {
        if isAtEnd { return nil }
        let key = try readVarint()
        let field = key >> 3
        guard field != 0 else { throw error("field number 0") }
        guard let wireType = WireType(rawValue: UInt8(key & 7)) else {
            throw error("unknown wire type \(key & 7) for field \(field)")
        }
        return Tag(field: field, wireType: wireType)
    }

    mutating func readLengthDelimited() throws -> ArraySlice<UInt8> {
        let length = try readVarint()
        guard length <= UInt64(bytes.endIndex - position) else {
            throw error("length \(length) runs past the end of the data")
        }
        let end = position + Int(length)
        defer { position = end }
        return bytes[position..<end]
    }

    private mutating func advance(_ count: Int) throws {
        guard count <= bytes.endIndex - position else { throw error("unexpected end of data") }
        position += count
    }

    /// Skips a field this decoder does not know, as protobuf decoders must.
    mutating func skip(_ tag: Tag) throws {
        switch tag.wireType {
        case .varint: _ = try readVarint()
        case .fixed64: try advance(8)
        case .lengthDelimited: _ = try readLengthDelimited()
        case .fixed32: try advance(4)
        case .startGroup, .endGroup: throw error("groups are not supported (field \(tag.field))")
        }
    }

    // MARK: typed reads that check the wire type the field must have

    private func expect(_ tag: Tag, _ wireType: WireType, _ name: String) throws {
        guard tag.wireType == wireType else {
            throw error("wrong wire type \(tag.wireType.rawValue) for field \(name)")
        }
    }

    mutating func readString(_ tag: Tag, _ name: String) throws -> String {
        try expect(tag, .lengthDelimited, name)
        // Go does not validate UTF-8 here and its JSON encoder substitutes U+FFFD; so do we.
        return String(decoding: try readLengthDelimited(), as: UTF8.self)
    }

    mutating func readBytes(_ tag: Tag, _ name: String) throws -> ArraySlice<UInt8> {
        try expect(tag, .lengthDelimited, name)
        return try readLengthDelimited()
    }

    mutating func readMessage(_ tag: Tag, _ name: String) throws -> ArraySlice<UInt8> {
        try expect(tag, .lengthDelimited, name)
        return try readLengthDelimited()
    }

    mutating func readInt64(_ tag: Tag, _ name: String) throws -> Int64 {
        try expect(tag, .varint, name)
        return Int64(bitPattern: try readVarint())
    }

    mutating func readBool(_ tag: Tag, _ name: String) throws -> Bool {
        try expect(tag, .varint, name)
        return try readVarint() != 0
    }
}

extension ProtobufWireReader {
    /// Reads one entry of a protobuf map, which travels as a message {1: key, 2: value}.
    /// A missing key or value is the empty string / empty bytes, as Go's decoder leaves them.
    mutating func readMapEntry(_ tag: Tag, _ name: String) throws -> (key: String, value: ArraySlice<UInt8>) {
        let entryBytes = try readMessage(tag, name)
        var entry = ProtobufWireReader(entryBytes, context: "\(context).\(name)")
        var key = ""
        var value: ArraySlice<UInt8> = []
        while let t = try entry.readTag() {
            switch t.field {
            case 1: key = try entry.readString(t, "key")
            case 2: value = try entry.readBytes(t, "value")
            default: try entry.skip(t)
            }
        }
        return (key, value)
    }

    /// A map<string,string> entry.
    mutating func readStringMapEntry(_ tag: Tag, _ name: String) throws -> (key: String, value: String) {
        let (key, value) = try readMapEntry(tag, name)
        return (key, String(decoding: value, as: UTF8.self))
    }

    /// A map<string,bytes> entry, with the value base64-encoded as Go's JSON encoder writes []byte.
    mutating func readBytesMapEntry(_ tag: Tag, _ name: String) throws -> (key: String, value: String) {
        let (key, value) = try readMapEntry(tag, name)
        return (key, Data(value).base64EncodedString())
    }
}
