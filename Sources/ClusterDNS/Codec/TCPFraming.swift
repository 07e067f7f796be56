/// DNS over TCP prefixes every message with its length as two bytes (RFC 1035 §4.2.2, RFC 7766).
public enum DNSTCPFraming {
    public static func frame(_ message: [UInt8]) -> [UInt8] {
        precondition(message.count <= 0xFFFF, "a DNS message over TCP is at most 65535 bytes")
        return [UInt8(message.count >> 8), UInt8(message.count & 0xFF)] + message
    }

    /// Splits a byte stream into complete messages; the unused tail (a partial message) is returned for the
    /// next read.
    public static func split(_ stream: [UInt8]) -> (messages: [[UInt8]], rest: [UInt8]) {
        var messages: [[UInt8]] = []
        var at = 0
        while stream.count - at >= 2 {
            let len = Int(stream[at]) << 8 | Int(stream[at + 1])
            guard stream.count - at - 2 >= len else { break }
            messages.append(Array(stream[at + 2..<at + 2 + len]))
            at += 2 + len
        }
        return (messages, Array(stream[at...]))
    }
}
