/// A malformed JSON body. The wording follows Go's encoding/json (which the apiserver's decoder,
/// sigs.k8s.io/json, keeps), because kubectl users and tests see these messages verbatim inside
/// the apiserver's `Status` text, e.g. `invalid character '}' looking for beginning of object key string`.
public struct JSONParseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The message alone, as Go's `SyntaxError.Error()` prints it.
    public var message: String
    /// Bytes read before the error, counted as Go counts them: the offending byte included, or
    /// the whole input for a premature end.
    public var offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { message }

    static func unexpectedEnd(at offset: Int) -> JSONParseError {
        JSONParseError(message: "unexpected end of JSON input", offset: offset)
    }

    /// `invalid character 'x' <context>`; `index` is the offending byte's position.
    static func invalidCharacter(_ byte: UInt8, _ context: String, at index: Int) -> JSONParseError {
        JSONParseError(message: "invalid character \(quoteChar(byte)) \(context)", offset: index + 1)
    }

    /// Go quotes the byte as if it were a rune (so byte 0xEF prints as 'ï'), with single quotes and
    /// Go's escapes for the unprintable ones.
    static func quoteChar(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "'"): return #"'\''"#
        case UInt8(ascii: "\""): return #"'"'"#
        case UInt8(ascii: "\\"): return #"'\\'"#
        case 0x07: return #"'\a'"#
        case 0x08: return #"'\b'"#
        case 0x0C: return #"'\f'"#
        case 0x0A: return #"'\n'"#
        case 0x0D: return #"'\r'"#
        case 0x09: return #"'\t'"#
        case 0x0B: return #"'\v'"#
        case 0x00..<0x20, 0x7F: return "'\\x\(hex2(byte))'"
        // C1 controls, NBSP and the soft hyphen are not "printable" for strconv.Quote.
        case 0x80..<0xA1, 0xAD: return "'\\u00\(hex2(byte))'"
        default: return "'\(Character(Unicode.Scalar(byte)))'"
        }
    }

    private static func hex2(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
    }
}
