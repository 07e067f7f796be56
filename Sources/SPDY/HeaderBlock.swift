/// The uncompressed SPDY/3 name/value block: a 32-bit pair count, then for each pair a 32-bit length + name and a
/// 32-bit length + value. Names are lower-case on the wire; a value holding several values separates them by NUL.
enum HeaderBlock {
    static func encode(_ headers: [String: String]) -> [UInt8] {
        var out: [UInt8] = []
        out.appendUInt32(UInt32(headers.count))
        // Sorted so the same headers always produce the same bytes (tests, and better compression).
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            let n = Array(name.lowercased().utf8), v = Array(value.utf8)
            out.appendUInt32(UInt32(n.count)); out.append(contentsOf: n)
            out.appendUInt32(UInt32(v.count)); out.append(contentsOf: v)
        }
        return out
    }

    static func decode(_ bytes: [UInt8]) throws -> [String: String] {
        let data = bytes[...]
        var offset = 0
        func take() throws -> ArraySlice<UInt8> {
            guard offset + 4 <= data.count else { throw SPDYError.malformedHeaderBlock("truncated length at byte \(offset)") }
            let length = Int(data.readUInt32(at: offset))
            offset += 4
            guard length <= data.count - offset else {
                throw SPDYError.malformedHeaderBlock("length \(length) at byte \(offset - 4) runs past the block")
            }
            defer { offset += length }
            return data[offset..<offset + length]
        }
        guard data.count >= 4 else { throw SPDYError.malformedHeaderBlock("missing pair count") }
        let count = Int(data.readUInt32(at: 0))
        offset = 4
        var headers: [String: String] = [:]
        for _ in 0..<count {
            let name = String(decoding: try take(), as: UTF8.self)
            let value = String(decoding: try take(), as: UTF8.self)
            guard !name.isEmpty else { throw SPDYError.malformedHeaderBlock("empty header name") }
            guard headers[name] == nil else { throw SPDYError.malformedHeaderBlock("duplicate header \(name)") }
            headers[name] = value
        }
        return headers
    }
}
