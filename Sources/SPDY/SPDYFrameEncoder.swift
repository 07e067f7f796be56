/// Serializes frames for one direction of a session. Header blocks share one deflate stream, so a session must use
/// a single encoder and write its output in the order frames were encoded.
public final class SPDYFrameEncoder {
    private let deflater: HeaderDeflater

    public init() throws { deflater = try HeaderDeflater() }

    public func encode(_ frame: SPDYFrame) throws -> [UInt8] {
        switch frame {
        case let .synStream(id, associated, priority, slot, flags, headers):
            var body: [UInt8] = []
            body.appendUInt32(id & 0x7fff_ffff)
            body.appendUInt32(associated & 0x7fff_ffff)
            body.append((priority & 0x07) << 5)
            body.append(slot)
            body += try deflater.compress(HeaderBlock.encode(headers))
            return try control(.synStream, flags: flags, body: body)
        case let .synReply(id, flags, headers):
            var body: [UInt8] = []
            body.appendUInt32(id & 0x7fff_ffff)
            body += try deflater.compress(HeaderBlock.encode(headers))
            return try control(.synReply, flags: flags, body: body)
        case let .rstStream(id, status):
            return try control(.rstStream, flags: 0, body: pair(id & 0x7fff_ffff, status))
        case let .settings(flags, entries):
            var body: [UInt8] = []
            body.appendUInt32(UInt32(entries.count))
            for e in entries {
                body.appendUInt32(UInt32(e.flags) << 24 | (e.id & 0x00ff_ffff))
                body.appendUInt32(e.value)
            }
            return try control(.settings, flags: flags, body: body)
        case let .ping(id):
            var body: [UInt8] = []
            body.appendUInt32(id)
            return try control(.ping, flags: 0, body: body)
        case let .goAway(last, status):
            return try control(.goAway, flags: 0, body: pair(last & 0x7fff_ffff, status))
        case let .headers(id, flags, headers):
            var body: [UInt8] = []
            body.appendUInt32(id & 0x7fff_ffff)
            body += try deflater.compress(HeaderBlock.encode(headers))
            return try control(.headers, flags: flags, body: body)
        case let .windowUpdate(id, delta):
            return try control(.windowUpdate, flags: 0, body: pair(id & 0x7fff_ffff, delta & 0x7fff_ffff))
        case let .data(id, flags, payload):
            try checkLength(payload.count, of: "DATA")
            var out: [UInt8] = []
            out.reserveCapacity(8 + payload.count)
            out.appendUInt32(id & 0x7fff_ffff)
            out.appendUInt32(UInt32(flags) << 24 | UInt32(payload.count))
            return out + payload
        case let .unknownControl(type, flags, payload):
            return try rawControl(type: type, flags: flags, body: payload)
        }
    }

    private func pair(_ a: UInt32, _ b: UInt32) -> [UInt8] {
        var body: [UInt8] = []
        body.appendUInt32(a)
        body.appendUInt32(b)
        return body
    }

    private func control(_ type: SPDYFrame.ControlType, flags: UInt8, body: [UInt8]) throws -> [UInt8] {
        try rawControl(type: type.rawValue, flags: flags, body: body)
    }

    private func rawControl(type: UInt16, flags: UInt8, body: [UInt8]) throws -> [UInt8] {
        try checkLength(body.count, of: "control frame type \(type)")
        var out: [UInt8] = []
        out.reserveCapacity(8 + body.count)
        out.appendUInt16(0x8000 | SPDYFrame.version)
        out.appendUInt16(type)
        out.appendUInt32(UInt32(flags) << 24 | UInt32(body.count))
        return out + body
    }

    private func checkLength(_ n: Int, of what: String) throws {
        guard n <= 0x00ff_ffff else { throw SPDYError.malformedFrame("\(what) payload of \(n) bytes exceeds 24 bits") }
    }
}
